#pragma once

#include "eventquery.h"

#include <QMap>
#include <QString>
#include <QWidget>

class QLabel;
class QLineEdit;
class QListWidget;
class QTimer;
class QToolButton;

namespace eventlens {

// The filter bar above the log: event types (multi-select with counts), a stream pattern
// (glob), a time range and a JavaScript predicate on the event. The SQL part (types, pattern,
// time) is reported by queryChanged() (text fields debounced); the predicate is applied with
// Enter and reported by predicateChanged(). The window shows the predicate's match count or
// error through setPredicateStatus().
class FilterBar final : public QWidget
{
    Q_OBJECT

public:
    explicit FilterBar(QWidget *parent = nullptr);

    // The types of the store with their counts; keeps the checked ones that still exist.
    void setTypes(const QMap<QString, qint64> &counts);
    // Checked types (empty: all types).
    QStringList selectedTypes() const;
    void setSelectedTypes(const QStringList &types);

    // Applies this bar's filters to query (types, streamGlob, sinceMs, untilMs); other fields
    // are left as they are. False when a time field is invalid (then query is unchanged).
    bool applyTo(EventQuery &query) const;
    // The applied predicate (empty: none).
    QString predicate() const { return m_appliedPredicate; }
    void setPredicateStatus(const QString &text, bool error);
    // Clears every filter (one queryChanged/predicateChanged each, when something changed).
    void clear();

    QLineEdit *streamEdit() const { return m_stream; }
    QLineEdit *sinceEdit() const { return m_since; }
    QLineEdit *untilEdit() const { return m_until; }
    QLineEdit *predicateEdit() const { return m_predicate; }
    QToolButton *typesButton() const { return m_typesButton; }
    QListWidget *typesList() const { return m_types; }
    QLabel *predicateStatus() const { return m_status; }

public Q_SLOTS:
    // Applies the predicate typed in the field (Enter does the same).
    void applyPredicate();
    void focusPredicate();

Q_SIGNALS:
    void queryChanged();
    void predicateChanged(const QString &predicate);

private:
    void updateTypesButton();
    void validateTime(QLineEdit *edit);

    QToolButton *m_typesButton = nullptr;
    QListWidget *m_types = nullptr;
    QLineEdit *m_stream = nullptr;
    QLineEdit *m_since = nullptr;
    QLineEdit *m_until = nullptr;
    QLineEdit *m_predicate = nullptr;
    QLabel *m_status = nullptr;
    QTimer *m_debounce = nullptr;
    QString m_appliedPredicate;
    bool m_updatingTypes = false;
};

} // namespace eventlens
