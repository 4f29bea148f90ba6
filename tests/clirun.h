#pragma once

// Runs the real eventlens-cli binary (EVENTLENS_CLI_PATH, set by the test's CMake) for the CLI
// test suites, and reads its JSON output.

#include <QByteArray>
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

} // namespace eventlens::testing
