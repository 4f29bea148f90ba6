#pragma once

// Runs the real eventlens-cli binary (EVENTLENS_CLI_PATH, set by the test's CMake) for the CLI
// test suites, and reads its JSON output.

#include <QByteArray>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <vector>

namespace eventlens::testing {

struct CliRun
{
    int code = -1;
    QByteArray out;
    QByteArray err;
    QString describe() const
    {
        return QStringLiteral("exit %1\nstdout: %2\nstderr: %3").arg(code).arg(QString::fromUtf8(out.left(3000)), QString::fromUtf8(err.left(3000)));
    }
};

inline CliRun cli(const QStringList &args)
{
    QProcess p;
    p.setProgram(QStringLiteral(EVENTLENS_CLI_PATH));
    p.setArguments(args);
    p.start();
    CliRun r;
    if (!p.waitForStarted(60000) || !p.waitForFinished(15 * 60 * 1000)) {
        r.err = "process did not run: " + p.errorString().toUtf8();
        p.kill();
        p.waitForFinished();
        return r;
    }
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    return r;
}

// One JSON value per non-empty line.
inline std::vector<nlohmann::ordered_json> jsonLines(const QByteArray &out)
{
    std::vector<nlohmann::ordered_json> lines;
    for (const QByteArray &line : out.split('\n')) {
        if (!line.isEmpty())
            lines.push_back(nlohmann::ordered_json::parse(line.constData(), line.constData() + line.size()));
    }
    return lines;
}

inline QStringList keysOf(const nlohmann::ordered_json &obj)
{
    QStringList keys;
    for (auto it = obj.begin(); it != obj.end(); ++it)
        keys.append(QString::fromStdString(it.key()));
    return keys;
}

inline QByteArray fileHash(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QCryptographicHash h(QCryptographicHash::Sha256);
    h.addData(&f);
    return h.result().toHex();
}

// The files of a folder with their sizes and contents, for checking that a command left a
// store alone. A WAL-mode SQLite reader may create and touch the shared-memory index (-shm),
// which holds no data, and an empty WAL is no change; both are left out. Any other file (the
// store, a non-empty WAL, a journal) must be unchanged.
inline QStringList folderState(const QString &dir)
{
    QStringList out;
    const QFileInfoList entries = QDir(dir).entryInfoList(QDir::Files | QDir::NoDotAndDotDot, QDir::Name);
    for (const QFileInfo &fi : entries) {
        if (fi.fileName().endsWith(QStringLiteral("-shm")))
            continue;
        if (fi.fileName().endsWith(QStringLiteral("-wal")) && fi.size() == 0)
            continue;
        out.append(QStringLiteral("%1 %2 %3").arg(fi.fileName()).arg(fi.size()).arg(QString::fromLatin1(fileHash(fi.filePath()))));
    }
    return out;
}

} // namespace eventlens::testing
