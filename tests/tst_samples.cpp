// The sample files shipped in resources/samples import cleanly, each detected as its format.

#include "eventstore.h"
#include "importer.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

using namespace eventlens;

class TestSamples : public QObject
{
    Q_OBJECT

private slots:
    void samplesImportAsTheirFormats()
    {
        const QDir samples(QStringLiteral(EVENTLENS_TEST_DATA "/../../resources/samples"));
        const QMap<QString, QString> expected = {
            {QStringLiteral("accounts.csv"), QStringLiteral("csv")},
            {QStringLiteral("bank.jsonl"), QStringLiteral("jsonl")},
            {QStringLiteral("cloudevents.json"), QStringLiteral("cloudevents")},
            {QStringLiteral("esdb-feed.json"), QStringLiteral("esdb")},
            {QStringLiteral("kcat-dump.jsonl"), QStringLiteral("kcat")},
        };
        QCOMPARE(samples.entryList(QDir::Files, QDir::Name), QStringList(expected.keys()));
        QStringList files;
        for (const QString &name : expected.keys())
            files << samples.filePath(name);

        QTemporaryDir dir;
        auto store = EventStore::open(dir.filePath(QStringLiteral("samples.eventlens")));
        const ImportReport report = Importer(*store).run(files);
        QVERIFY2(report.ok(), qPrintable(report.error ? report.error->toString() : QString()));
        QCOMPARE(report.files.size(), size_t(expected.size()));
        for (const FileImportReport &f : report.files) {
            QCOMPARE(f.format, expected.value(QFileInfo(f.file).fileName()));
            QVERIFY(f.read > 0);
            QCOMPARE(f.imported, f.read);
        }
        QCOMPARE(store->headPosition(), report.totalImported());
        QVERIFY(store->verify().ok);
    }
};

QTEST_GUILESS_MAIN(TestSamples)

#include "tst_samples.moc"
