#include "mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTextStream>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <cstdio>

int main(int argc, char *argv[])
{
#ifdef __GLIBC__
    // Background jobs run on many short-lived pool threads; with glibc's default of up to 8
    // malloc arenas per core, the memory each of them freed stays resident. Two arenas keep the
    // window on a 10-million-event store below 200 MB (see the README).
    mallopt(M_ARENA_MAX, 2);
#endif
    QApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("eventlens"));
    QCoreApplication::setApplicationName(QStringLiteral("eventlens"));
    QCoreApplication::setApplicationVersion(QStringLiteral(EVENTLENS_VERSION));
    QGuiApplication::setApplicationDisplayName(QStringLiteral("eventlens"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Inspector for event-sourced systems.\n"
        "With no STORE, opens the store opened last, or on first run creates the demo store\n"
        "in the application data directory and opens it."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("STORE|FILE"),
                                 QStringLiteral("An eventlens store to open, or an event file (JSON Lines, JSON, CSV, CloudEvents,\n"
                                                "kcat -J, EventStoreDB) to import into a new store in the application data folder."),
                                 QStringLiteral("[STORE|FILE]"));
    const QCommandLineOption demoEvents(QStringLiteral("demo-events"),
                                        QStringLiteral("Events in the demo store created on first run (default 20000)."),
                                        QStringLiteral("N"), QStringLiteral("20000"));
    parser.addOption(demoEvents);
    parser.process(app);

    const QStringList args = parser.positionalArguments();
    if (args.size() > 1) {
        QTextStream(stderr) << "eventlens: at most one STORE or FILE\n";
        return 2;
    }
    bool ok = false;
    const qint64 events = parser.value(demoEvents).toLongLong(&ok);
    if (!ok || events < 1) {
        QTextStream(stderr) << "eventlens: --demo-events needs a positive number\n";
        return 2;
    }

    eventlens::MainWindow window;
    window.show();
    if (args.isEmpty())
        window.openDefaultStore(events);
    else
        window.openPath(args.constFirst());
    return app.exec();
}
