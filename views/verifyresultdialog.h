#pragma once

#include <QDialog>
#include <QString>

class QLabel;
class QPushButton;
class QStandardItemModel;
class QTableView;

namespace eventlens {

struct AuditVerification;
struct VerifyResult;

// The outcome of a verification: of a store's hash chain (Tools → Verify Store) or of an audit
// snapshot against a store (Tools → Verify Snapshot…). A headline says whether it verified, in
// green or red, and names the first bad position; the table lists every difference (position,
// path, message). Double-clicking a row with a position, or "Go to First Bad Position", emits
// positionActivated() (the window selects that event in the log). Not modal: open() or show().
class VerifyResultDialog final : public QDialog
{
    Q_OBJECT

public:
    enum Column { PositionColumn, PathColumn, MessageColumn, ColumnCount };
    static constexpr int PositionRole = Qt::UserRole + 1; // qint64 on every cell (0: none)

    explicit VerifyResultDialog(QWidget *parent = nullptr);

    // A store's hash chain: headHash (hex) is the hash of the last event verified.
    void showStoreResult(const QString &storePath, const VerifyResult &result, const QString &headHash);
    // A snapshot against a store.
    void showSnapshotResult(const QString &snapshotPath, const QString &storePath, const AuditVerification &verification);
    // The verification could not be done (the file is not a snapshot, a projection fails...).
    void showFailure(const QString &title, const QString &message);

    bool isOk() const { return m_ok; }
    qint64 firstBadPosition() const { return m_firstBad; }
    QString headlineText() const;
    QString detailText() const;

    QStandardItemModel *differences() const { return m_model; }
    QTableView *table() const { return m_table; }
    QLabel *headlineLabel() const { return m_headline; }
    QPushButton *goToFirstButton() const { return m_goToFirst; }

Q_SIGNALS:
    void positionActivated(qint64 position);

private:
    void setHeadline(bool ok, const QString &text);
    void addRow(qint64 position, const QString &path, const QString &message);
    void reset(const QString &title);
    void finish();

    bool m_ok = false;
    qint64 m_firstBad = 0;
    QLabel *m_headline = nullptr;
    QLabel *m_detail = nullptr;
    QStandardItemModel *m_model = nullptr;
    QTableView *m_table = nullptr;
    QPushButton *m_goToFirst = nullptr;
};

} // namespace eventlens
