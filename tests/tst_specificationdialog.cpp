// The specification dialog (issue 5, GUI): given/when/then specifications exported from a real
// store's history (a Withdraw that overdraws: the then is the domain error), saved, and run
// (PASS), a deliberately wrong one (FAIL with the message), a broken file, a decider file of the
// user's (relative to the saved specification), and the preview dropped when the inputs change.
// Driven with QTest input events where a user would click or type.

#include "eventstore.h"
#include "modeltesting.h"
#include "scripteditor.h"
#include "specificationdialog.h"

#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <memory>

using namespace eventlens;
using Json = nlohmann::ordered_json;

// JSON equality with both values in the failure message (QCOMPARE's overloads do not fit Json).
#define COMPARE_JSON(actual, expected)                                                                  \
    do {                                                                                                \
        const Json a_ = (actual);                                                                       \
        const Json e_ = (expected);                                                                     \
        QVERIFY2(a_ == e_, (a_.dump() + "\n   expected: " + e_.dump()).c_str());                        \
    } while (false)

namespace {

constexpr int Timeout = 120000;

void add(EventStore &store, const char *stream, const char *type, const char *data)
{
    NewEvent e;
    e.type = QLatin1String(type);
    e.data = data;
    store.append(QLatin1String(stream), ExpectedVersion::any(), {e});
}

Json readJson(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return Json::parse(f.readAll().toStdString(), nullptr, false);
}

void writeFile(const QString &path, const QByteArray &text)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(f.write(text), text.size());
}

const char *CounterDecider = "var commands = { Count: { by: 1 } };\n"
                             "function initialState() { return { n: 0 }; }\n"
                             "function evolve(state, event) { state.n += event.data.by; return state; }\n"
                             "function decide(command, state) {\n"
                             "    if (command.data.by <= 0) throw new Error('count up only');\n"
                             "    return [{ type: 'Counted', data: { by: command.data.by, total: state.n + command.data.by } }];\n"
                             "}\n";

} // namespace

class TestSpecificationDialog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void exportOverdrawSaveAndRun();
    void wrongSpecificationFails();
    void brokenFileIsOneFailure();
    void previewDroppedWhenInputsChange();
    void acceptedCommandAndVersionRange();
    void deciderFileRelativeToSpecification();
    void deciderFileWithSyntaxError();
    void runUnsavedPreview();

private:
    void typePayload(const QString &json);
    void previewAndWait(bool expectOk = true);
    void runAndWait();
    void waitForStream(qint64 version);

    QTemporaryDir m_dir;
    QString m_storePath;
    std::unique_ptr<SpecificationDialog> m_dialog;
    std::vector<std::unique_ptr<QAbstractItemModelTester>> m_testers;
};

void TestSpecificationDialog::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(m_dir.isValid());
    m_storePath = m_dir.filePath(QStringLiteral("bank.eventlens"));
    auto store = EventStore::open(m_storePath);
    add(*store, "account-7", "AccountOpened", R"({"owner":"Ada","currency":"EUR","accountType":"checking"})");
    add(*store, "account-7", "Deposited", R"({"amount":40,"currency":"EUR","source":"command"})");
    add(*store, "account-8", "AccountOpened", R"({"owner":"Bob","currency":"EUR"})");
    add(*store, "account-7", "Deposited", R"({"amount":60,"currency":"EUR","source":"command"})");
}

void TestSpecificationDialog::init()
{
    m_dialog = std::make_unique<SpecificationDialog>();
    m_testers.push_back(testing::attachTester(*m_dialog->resultTable()->model()));
    m_testers.push_back(testing::attachTester(*m_dialog->sourceList()->model()));
    m_testers.push_back(testing::attachTester(*m_dialog->domainBox()->model()));
    m_testers.push_back(testing::attachTester(*m_dialog->typeBox()->model()));
    m_dialog->setStorePath(m_storePath);
    m_dialog->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_dialog.get()));
}

void TestSpecificationDialog::cleanup()
{
    m_testers.clear();
    m_dialog.reset();
}

void TestSpecificationDialog::typePayload(const QString &json)
{
    ScriptEditor *editor = m_dialog->payloadEditor();
    editor->setFocus();
    QTest::keyClick(editor, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClick(editor, Qt::Key_Delete);
    QTest::keyClicks(editor, json);
    QCOMPARE(m_dialog->payload(), json);
}

void TestSpecificationDialog::previewAndWait(bool expectOk)
{
    QSignalSpy finished(m_dialog.get(), &SpecificationDialog::previewFinished);
    QVERIFY(m_dialog->previewButton()->isEnabled());
    QTest::mouseClick(m_dialog->previewButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, Timeout);
    QVERIFY2(finished.at(0).at(0).toBool() == expectOk, qPrintable(m_dialog->exportErrorText()));
}

void TestSpecificationDialog::runAndWait()
{
    QSignalSpy finished(m_dialog.get(), &SpecificationDialog::runFinished);
    QVERIFY(m_dialog->runButton()->isEnabled());
    QTest::mouseClick(m_dialog->runButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, Timeout);
}

void TestSpecificationDialog::waitForStream(qint64 version)
{
    QTRY_VERIFY_WITH_TIMEOUT(m_dialog->streamVersion().has_value(), Timeout);
    QCOMPARE(*m_dialog->streamVersion(), version);
}

void TestSpecificationDialog::exportOverdrawSaveAndRun()
{
    // The window opens it on the stream selected in the log: the whole stream by default.
    m_dialog->setStream(QStringLiteral("account-7"));
    waitForStream(2);
    QCOMPARE(m_dialog->domain(), QStringLiteral("bank"));
    QCOMPARE(m_dialog->fromSpin()->value(), 0);
    QCOMPARE(m_dialog->toSpin()->value(), 2);
    QCOMPARE(m_dialog->toSpin()->maximum(), 2);

    // Only the first two events (40 in the account): versions 0 to 1.
    QSpinBox *to = m_dialog->toSpin();
    to->setFocus();
    QTest::keyClick(to, Qt::Key_Down);
    QCOMPARE(m_dialog->toVersion(), qint64(1));

    // The command type: its template fills the payload.
    QVERIFY(m_dialog->commandTypes().contains(QStringLiteral("Withdraw")));
    m_dialog->typeBox()->setFocus();
    m_dialog->typeBox()->setCurrentIndex(m_dialog->typeBox()->findText(QStringLiteral("Withdraw")));
    QCOMPARE(m_dialog->commandType(), QStringLiteral("Withdraw"));
    QVERIFY2(m_dialog->payload().contains(QStringLiteral("\"amount\": 40")), qPrintable(m_dialog->payload()));
    typePayload(QStringLiteral(R"({"amount": 41})"));
    m_dialog->nameEdit()->setFocus();
    QTest::keyClicks(m_dialog->nameEdit(), QStringLiteral("no overdraft"));

    previewAndWait();
    const std::optional<Specification> &spec = m_dialog->previewedSpecification();
    QVERIFY(spec);
    QCOMPARE(spec->name, QStringLiteral("no overdraft"));
    QCOMPARE(spec->domain, QStringLiteral("bank"));
    QCOMPARE(spec->given.size(), size_t(2));
    QCOMPARE(spec->given[1].type, QStringLiteral("Deposited"));
    QVERIFY(spec->thenError);
    QCOMPARE(*spec->thenError, QStringLiteral("insufficient funds: balance 40.00, requested 41.00"));
    QVERIFY(m_dialog->previewView()->toPlainText().contains(QStringLiteral("\"thenError\"")));
    QVERIFY(m_dialog->saveButton()->isEnabled());

    // Saved: the file holds exactly the specification, and joins the run list.
    const QString path = m_dir.filePath(QStringLiteral("overdraw.json"));
    QSignalSpy saved(m_dialog.get(), &SpecificationDialog::specificationSaved);
    QVERIFY(m_dialog->saveSpecification(path));
    QCOMPARE(saved.count(), 1);
    const Json file = readJson(path);
    COMPARE_JSON(file["name"], Json("no overdraft"));
    COMPARE_JSON(file["domain"], Json("bank"));
    COMPARE_JSON(file["stream"], Json("account-7"));
    QCOMPARE(file["given"].size(), size_t(2));
    COMPARE_JSON(file["given"][0]["type"], Json("AccountOpened"));
    COMPARE_JSON(file["when"]["type"], Json("Withdraw"));
    COMPARE_JSON(file["when"]["data"]["amount"], Json(41));
    COMPARE_JSON(file["thenError"], Json("insufficient funds: balance 40.00, requested 41.00"));
    QVERIFY(!file.contains("then"));
    QCOMPARE(m_dialog->specificationFiles(), QStringList{QFileInfo(path).absoluteFilePath()});

    // Run: PASS.
    m_dialog->tabs()->setCurrentIndex(1);
    runAndWait();
    QCOMPARE(m_dialog->passedCount(), 1);
    QCOMPARE(m_dialog->failedCount(), 0);
    QTableWidget *table = m_dialog->resultTable();
    QCOMPARE(table->rowCount(), 1);
    QCOMPARE(table->item(0, SpecificationDialog::ResultColumnStatus)->text(), QStringLiteral("PASS"));
    QCOMPARE(table->item(0, SpecificationDialog::ResultColumnName)->text(), QStringLiteral("no overdraft"));
    QCOMPARE(table->item(0, SpecificationDialog::ResultColumnFile)->text(), QStringLiteral("overdraw.json"));
    QVERIFY(table->item(0, SpecificationDialog::ResultColumnMessage)->text().isEmpty());
    QCOMPARE(m_dialog->summaryText(), QStringLiteral("1 passed, 0 failed"));
    QCOMPARE(m_dialog->runButton()->text().remove(u'&'), QStringLiteral("Run Again"));

    // Selecting the row shows what was decided.
    table->setFocus();
    table->setCurrentCell(0, 1);
    QVERIFY2(m_dialog->detailView()->toPlainText().contains(QStringLiteral("insufficient funds")),
             qPrintable(m_dialog->detailView()->toPlainText()));
}

void TestSpecificationDialog::wrongSpecificationFails()
{
    // A good one and a deliberately wrong one in one file, run next to a second file.
    m_dialog->setStream(QStringLiteral("account-7"), 0, 1);
    waitForStream(2);
    QCOMPARE(m_dialog->toVersion(), qint64(1));
    m_dialog->setCommandType(QStringLiteral("Withdraw"));
    typePayload(QStringLiteral(R"({"amount": 41})"));
    previewAndWait();
    const QString good = m_dir.filePath(QStringLiteral("good.json"));
    QVERIFY(m_dialog->saveSpecification(good));

    Json spec = readJson(good);
    Json wrong = spec;
    wrong["name"] = "wrong expectation";
    wrong["thenError"] = "something else";
    Json accepted = spec;
    accepted["name"] = "expects events";
    accepted.erase("thenError");
    accepted["then"] = Json::array({Json{{"type", "Withdrawn"}, {"data", Json{{"amount", 41}}}}});
    const QString both = m_dir.filePath(QStringLiteral("both.json"));
    writeFile(both, QByteArray::fromStdString(Json{{"specifications", Json::array({spec, wrong, accepted})}}.dump(2)));
    m_dialog->addSpecificationFiles({both});
    QCOMPARE(m_dialog->sourceList()->count(), 2);

    runAndWait();
    QCOMPARE(m_dialog->passedCount(), 2);
    QCOMPARE(m_dialog->failedCount(), 2);
    QTableWidget *table = m_dialog->resultTable();
    QCOMPARE(table->rowCount(), 4);
    QCOMPARE(table->item(2, SpecificationDialog::ResultColumnStatus)->text(), QStringLiteral("FAIL"));
    QCOMPARE(table->item(2, SpecificationDialog::ResultColumnName)->text(), QStringLiteral("wrong expectation"));
    QCOMPARE(table->item(2, SpecificationDialog::ResultColumnFile)->text(), QStringLiteral("both.json"));
    QCOMPARE(table->item(2, SpecificationDialog::ResultColumnMessage)->text(),
             QStringLiteral("expected the domain error \"something else\", got \"insufficient funds: balance 40.00, requested 41.00\""));
    QCOMPARE(table->item(3, SpecificationDialog::ResultColumnStatus)->text(), QStringLiteral("FAIL"));
    QVERIFY2(table->item(3, SpecificationDialog::ResultColumnMessage)->text().contains(QStringLiteral("rejected")),
             qPrintable(table->item(3, SpecificationDialog::ResultColumnMessage)->text()));
    QCOMPARE(m_dialog->summaryText(), QStringLiteral("2 passed, 2 failed"));

    // Fixed on disk, Run Again reads the files again.
    writeFile(both, QByteArray::fromStdString(Json{{"specifications", Json::array({spec})}}.dump(2)));
    runAndWait();
    QCOMPARE(m_dialog->passedCount(), 2);
    QCOMPARE(m_dialog->failedCount(), 0);
    QCOMPARE(table->rowCount(), 2);

    // Removing a file from the list.
    m_dialog->sourceList()->setCurrentRow(1);
    QTest::mouseClick(m_dialog->removeButton(), Qt::LeftButton);
    QCOMPARE(m_dialog->sourceList()->count(), 1);
    QCOMPARE(m_dialog->specificationFiles(), QStringList{QFileInfo(good).absoluteFilePath()});
}

void TestSpecificationDialog::brokenFileIsOneFailure()
{
    const QString notJson = m_dir.filePath(QStringLiteral("broken.json"));
    writeFile(notJson, "{ not json");
    const QString missingField = m_dir.filePath(QStringLiteral("nowhen.json"));
    writeFile(missingField, R"({"name": "no when", "domain": "bank", "stream": "account-1", "thenError": "x"})");
    m_dialog->addSpecificationFiles({notJson, missingField, m_dir.filePath(QStringLiteral("missing.json"))});
    runAndWait();
    QCOMPARE(m_dialog->failedCount(), 3);
    QTableWidget *table = m_dialog->resultTable();
    QCOMPARE(table->item(0, SpecificationDialog::ResultColumnStatus)->text(), QStringLiteral("FAIL"));
    QVERIFY2(table->item(0, SpecificationDialog::ResultColumnMessage)->text().endsWith(QStringLiteral("broken.json: not valid JSON")),
             qPrintable(table->item(0, SpecificationDialog::ResultColumnMessage)->text()));
    QVERIFY2(table->item(1, SpecificationDialog::ResultColumnMessage)->text().contains(QStringLiteral("\"when\"")),
             qPrintable(table->item(1, SpecificationDialog::ResultColumnMessage)->text()));
    QVERIFY2(table->item(2, SpecificationDialog::ResultColumnMessage)->text().startsWith(QStringLiteral("cannot read")),
             qPrintable(table->item(2, SpecificationDialog::ResultColumnMessage)->text()));
}

void TestSpecificationDialog::previewDroppedWhenInputsChange()
{
    QVERIFY(!m_dialog->saveButton()->isEnabled());
    QString error;
    QVERIFY(!m_dialog->saveSpecification(m_dir.filePath(QStringLiteral("nothing.json")), &error));
    QVERIFY(error.contains(QStringLiteral("preview")));
    QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("nothing.json"))));

    m_dialog->setStream(QStringLiteral("account-8"));
    waitForStream(0);
    m_dialog->setCommandType(QStringLiteral("Deposit"));
    previewAndWait();
    QVERIFY(m_dialog->previewedSpecification());
    QVERIFY(m_dialog->saveButton()->isEnabled());

    // An edit of the payload: the preview no longer shows what would be saved.
    m_dialog->payloadEditor()->setFocus();
    QTest::keyClick(m_dialog->payloadEditor(), Qt::Key_End, Qt::ControlModifier);
    QTest::keyClick(m_dialog->payloadEditor(), Qt::Key_Space);
    QVERIFY(!m_dialog->previewedSpecification());
    QVERIFY(!m_dialog->saveButton()->isEnabled());
    QVERIFY(m_dialog->previewView()->toPlainText().isEmpty());

    // A payload that is not JSON: said, with its place marked in the editor.
    typePayload(QStringLiteral("{\"amount\": }"));
    QSignalSpy finished(m_dialog.get(), &SpecificationDialog::previewFinished);
    QTest::mouseClick(m_dialog->previewButton(), Qt::LeftButton);
    QVERIFY2(m_dialog->exportErrorText().contains(QStringLiteral("not JSON")), qPrintable(m_dialog->exportErrorText()));
    QCOMPARE(m_dialog->payloadEditor()->errorLines(), QList<int>{1});
    QCOMPARE(finished.count(), 0);
    typePayload(QStringLiteral("[1]"));
    QTest::mouseClick(m_dialog->previewButton(), Qt::LeftButton);
    QVERIFY(m_dialog->exportErrorText().contains(QStringLiteral("JSON object")));
}

void TestSpecificationDialog::acceptedCommandAndVersionRange()
{
    // Versions 1 to 2 of account-7 (no AccountOpened): the decider says the account is not open.
    m_dialog->setStream(QStringLiteral("account-7"), 1);
    waitForStream(2);
    QCOMPARE(m_dialog->fromVersion(), qint64(1));
    QCOMPARE(m_dialog->toVersion(), qint64(2));
    m_dialog->setCommandType(QStringLiteral("Deposit"));
    previewAndWait();
    QCOMPARE(m_dialog->previewedSpecification()->given.size(), size_t(2));
    QCOMPARE(*m_dialog->previewedSpecification()->thenError, QStringLiteral("account is not open"));

    // The whole stream: the deposit is accepted; the then is the event decided now.
    m_dialog->fromSpin()->setValue(0);
    QCOMPARE(m_dialog->toVersion(), qint64(2));
    typePayload(QStringLiteral(R"({"amount": 12.5})"));
    previewAndWait();
    const Specification &spec = *m_dialog->previewedSpecification();
    QCOMPARE(spec.given.size(), size_t(3));
    QVERIFY(!spec.thenError);
    QVERIFY(spec.then);
    QCOMPARE(spec.then->size(), size_t(1));
    QCOMPARE((*spec.then)[0].type, QStringLiteral("Deposited"));
    COMPARE_JSON((*spec.then)[0].data["amount"], Json(12.5));
    COMPARE_JSON((*spec.then)[0].data["currency"], Json("EUR"));

    // A stream that does not exist: an empty given (a new account).
    m_dialog->streamEdit()->setFocus();
    m_dialog->streamEdit()->selectAll();
    QTest::keyClicks(m_dialog->streamEdit(), QStringLiteral("account-new"));
    QTest::keyClick(m_dialog->streamEdit(), Qt::Key_Return);
    waitForStream(-1);
    QVERIFY(!m_dialog->fromSpin()->isEnabled());
    QVERIFY(m_dialog->streamInfoLabel()->text().contains(QStringLiteral("no such stream")));
    m_dialog->setCommandType(QStringLiteral("OpenAccount"));
    previewAndWait();
    QVERIFY(m_dialog->previewedSpecification()->given.empty());
    QCOMPARE((*m_dialog->previewedSpecification()->then)[0].type, QStringLiteral("AccountOpened"));
}

void TestSpecificationDialog::deciderFileRelativeToSpecification()
{
    QDir(m_dir.path()).mkpath(QStringLiteral("deciders"));
    QDir(m_dir.path()).mkpath(QStringLiteral("specs"));
    const QString decider = m_dir.filePath(QStringLiteral("deciders/counter.js"));
    writeFile(decider, CounterDecider);
    QVERIFY2(m_dialog->loadDeciderFile(decider), qPrintable(m_dialog->exportErrorText()));
    QCOMPARE(m_dialog->domain(), QString());
    QCOMPARE(m_dialog->deciderFile(), QFileInfo(decider).absoluteFilePath());
    QCOMPARE(m_dialog->domainBox()->currentText(), QStringLiteral("counter.js"));
    QCOMPARE(m_dialog->commandTypes(), QStringList{QStringLiteral("Count")});
    QVERIFY(m_dialog->payload().contains(QStringLiteral("\"by\": 1")));

    m_dialog->setStream(QStringLiteral("counter-1"));
    waitForStream(-1);
    QCOMPARE(m_dialog->deciderFile(), QFileInfo(decider).absoluteFilePath()); // the stream does not switch it
    typePayload(QStringLiteral(R"({"by": 3})"));
    previewAndWait();
    const QString path = m_dir.filePath(QStringLiteral("specs/count.json"));
    QVERIFY(m_dialog->saveSpecification(path));
    const Json file = readJson(path);
    COMPARE_JSON(file["decider"], Json("../deciders/counter.js"));
    QVERIFY(!file.contains("domain"));
    COMPARE_JSON(file["then"][0]["data"], Json::parse(R"({"by":3,"total":3})"));

    runAndWait();
    QCOMPARE(m_dialog->passedCount(), 1);
    QCOMPARE(m_dialog->failedCount(), 0);

    // The decider is read per run, relative to the file: broken on disk, the run says so.
    writeFile(decider, "var commands = ;\n");
    runAndWait();
    QCOMPARE(m_dialog->failedCount(), 1);
    const QString message = m_dialog->resultTable()->item(0, SpecificationDialog::ResultColumnMessage)->text();
    QVERIFY2(message.contains(QStringLiteral("counter.js")) && message.contains(QStringLiteral("line 1")), qPrintable(message));
}

void TestSpecificationDialog::deciderFileWithSyntaxError()
{
    const QString decider = m_dir.filePath(QStringLiteral("broken-decider.js"));
    writeFile(decider, "function initialState() { return {}; }\nfunction decide(c, s) { return [; }\n");
    QVERIFY(!m_dialog->loadDeciderFile(decider));
    QVERIFY2(m_dialog->exportErrorText().contains(QStringLiteral("line 2")), qPrintable(m_dialog->exportErrorText()));
    QVERIFY(m_dialog->exportErrorLabel()->isVisible());
    QCOMPARE(m_dialog->domain(), QStringLiteral("bank")); // still the one before
    QVERIFY(!m_dialog->loadDeciderFile(m_dir.filePath(QStringLiteral("no-such.js"))));
}

void TestSpecificationDialog::runUnsavedPreview()
{
    m_dialog->setStream(QStringLiteral("account-7"));
    waitForStream(2);
    m_dialog->setCommandType(QStringLiteral("CloseAccount"));
    previewAndWait();
    QCOMPARE(*m_dialog->previewedSpecification()->thenError, QStringLiteral("balance must be zero to close the account (is 100.00)"));
    QSignalSpy finished(m_dialog.get(), &SpecificationDialog::runFinished);
    QTest::mouseClick(m_dialog->runPreviewButton(), Qt::LeftButton);
    QCOMPARE(m_dialog->tabs()->currentIndex(), 1);
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, Timeout);
    QCOMPARE(m_dialog->passedCount(), 1);
    QCOMPARE(m_dialog->resultTable()->item(0, SpecificationDialog::ResultColumnFile)->text(), QStringLiteral("(not saved)"));
    QVERIFY(m_dialog->specificationFiles().isEmpty());
    QCOMPARE(m_dialog->sourceCount(), 1);
}

QTEST_MAIN(TestSpecificationDialog)
#include "tst_specificationdialog.moc"
