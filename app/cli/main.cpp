#include "cli.h"

#include "importerror.h"
#include "storeerror.h"

#include <QCoreApplication>
#include <QGuiApplication>

#include <cstdio>
#include <exception>
#include <memory>
#include <string_view>
#include <unistd.h>

using namespace eventlens;
using namespace eventlens::cli;

namespace {

QString mainHelp()
{
    QString text = QStringLiteral(
        "Usage: %1 <command> [arguments] [options]\n"
        "\n"
        "The headless side of eventlens, an inspector for event-sourced systems: create, import,\n"
        "append to, query and verify embedded event stores (SQLite files).\n"
        "\n"
        "Commands:\n").arg(QString::fromLatin1(kProgram));
    for (const Command &c : commands())
        text += QStringLiteral("  %1%2\n").arg(QString::fromLatin1(c.name).leftJustified(17), QString::fromUtf8(c.summary));
    text += QStringLiteral(
        "\n"
        "Options:\n"
        "  -h, --help     Show this help (or '%1 <command> --help' for a command).\n"
        "  -v, --version  Show the version.\n"
        "\n"
        "Data output with --json is JSON Lines with the keys position, stream, version, id, type,\n"
        "data, metadata, time. Errors go to stderr.\n"
        "Exit codes: 0 success, 1 failure, 2 usage error, 3 concurrency conflict (append, command);\n"
        "diff-projection and bisect: 1 different / never holds, 4 failure; command: 4 domain error.\n").arg(QString::fromLatin1(kProgram));
    return text;
}

const Command *findCommand(const QString &name)
{
    for (const Command &c : commands()) {
        if (name == QLatin1String(c.name))
            return &c;
    }
    return nullptr;
}

int runCommand(const Command &command, const QStringList &args)
{
    const QString name = QString::fromLatin1(command.name);
    try {
        return command.run(args);
    } catch (const UsageError &e) {
        printError(name, e.message());
        writeErr(QStringLiteral("Run '%1 %2 --help' for usage.\n").arg(QString::fromLatin1(kProgram), name));
        return ExitUsage;
    } catch (const CommandError &e) {
        printError(name, e.message());
        return e.exitCode();
    } catch (const ConcurrencyError &e) {
        printError(name, e.message());
        return ExitConflict;
    } catch (const StoreError &e) {
        printError(name, e.message());
        return ExitFailure;
    } catch (const ImportError &e) {
        printError(name, e.issue().toString());
        return ExitFailure;
    } catch (const std::exception &e) {
        printError(name, QString::fromUtf8(e.what()));
        return ExitFailure;
    }
}

QtMessageHandler s_defaultHandler = nullptr;

void quietMessageHandler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (type == QtWarningMsg && message.startsWith(QLatin1String("QStandardPaths: ")))
        return;
    s_defaultHandler(type, context, message);
}

} // namespace

int main(int argc, char *argv[])
{
    // A PDF report lays out text, which needs the GUI side of Qt (fonts): `export` runs a
    // QGuiApplication on the offscreen platform unless a platform was chosen; every other
    // command stays a plain QCoreApplication.
    const bool needsGui = argc > 1 && std::string_view(argv[1]) == "export";
    if (needsGui && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    if (needsGui) {
        // Without a session (a script, CI) Qt warns that XDG_RUNTIME_DIR is not set; the export
        // does not use it, so the warning would only be noise on stderr.
        s_defaultHandler = qInstallMessageHandler(quietMessageHandler);
    }
    std::unique_ptr<QCoreApplication> app = needsGui ? std::make_unique<QGuiApplication>(argc, argv) : std::make_unique<QCoreApplication>(argc, argv);
    QCoreApplication::setApplicationName(QString::fromLatin1(kProgram));
    QCoreApplication::setApplicationVersion(QStringLiteral(EVENTLENS_VERSION));
    // Large output (millions of JSON lines) goes out in big blocks; a terminal stays line-buffered.
    if (::isatty(::fileno(stdout)) != 1)
        std::setvbuf(stdout, nullptr, _IOFBF, 1 << 16);

    const QStringList args = QCoreApplication::arguments().mid(1);
    int code = ExitOk;
    if (args.isEmpty()) {
        writeErr(mainHelp());
        code = ExitUsage;
    } else {
        const QString &first = args.first();
        if (first == u"-h" || first == u"--help" || first == u"-help") {
            writeOut(mainHelp());
        } else if (first == u"-v" || first == u"--version") {
            writeOut(QStringLiteral("%1 %2\n").arg(QString::fromLatin1(kProgram), QStringLiteral(EVENTLENS_VERSION)));
        } else if (first == u"help") {
            if (args.size() < 2) {
                writeOut(mainHelp());
            } else if (const Command *c = findCommand(args.at(1))) {
                code = runCommand(*c, {QStringLiteral("--help")});
            } else {
                printError({}, QStringLiteral("unknown command '%1'; run '%2 --help' for the list").arg(args.at(1), QString::fromLatin1(kProgram)));
                code = ExitUsage;
            }
        } else if (const Command *c = findCommand(first)) {
            code = runCommand(*c, args.mid(1));
        } else {
            printError({}, QStringLiteral("unknown command '%1'; run '%2 --help' for the list").arg(first, QString::fromLatin1(kProgram)));
            code = ExitUsage;
        }
    }
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
        writeErr(QStringLiteral("%1: error: cannot write the output\n").arg(QString::fromLatin1(kProgram)));
        if (code == ExitOk)
            code = ExitFailure;
    }
    return code;
}
