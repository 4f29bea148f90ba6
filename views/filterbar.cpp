#include "filterbar.h"

#include "timeutil.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QMenu>
#include <QSet>
#include <QTimer>
#include <QToolButton>
#include <QWidgetAction>

namespace eventlens {

namespace {

constexpr int TypeNameRole = Qt::UserRole + 1;

} // namespace

FilterBar::FilterBar(QWidget *parent)
    : QWidget(parent)
{
    m_typesButton = new QToolButton(this);
    m_typesButton->setObjectName(QStringLiteral("typesButton"));
    m_typesButton->setPopupMode(QToolButton::InstantPopup);
    m_typesButton->setToolTip(tr("Show only events of the checked types"));
    auto *menu = new QMenu(m_typesButton);
    m_types = new QListWidget(menu);
    m_types->setObjectName(QStringLiteral("typesList"));
    m_types->setUniformItemSizes(true);
    m_types->setMinimumWidth(260);
    auto *listAction = new QWidgetAction(menu);
    listAction->setDefaultWidget(m_types);
    menu->addAction(listAction);
    menu->addSeparator();
    menu->addAction(tr("All Types"), this, [this] { setSelectedTypes({}); });
    m_typesButton->setMenu(menu);
    connect(m_types, &QListWidget::itemChanged, this, [this] {
        if (m_updatingTypes)
            return;
        updateTypesButton();
        Q_EMIT queryChanged();
    });

    m_stream = new QLineEdit(this);
    m_stream->setObjectName(QStringLiteral("streamPattern"));
    m_stream->setPlaceholderText(tr("Stream pattern, e.g. account-1*"));
    m_stream->setClearButtonEnabled(true);
    m_stream->setToolTip(tr("Glob on the stream name: * any text, ? one character, [abc] one of"));

    m_since = new QLineEdit(this);
    m_since->setObjectName(QStringLiteral("since"));
    m_since->setPlaceholderText(tr("Since (ISO 8601)"));
    m_since->setClearButtonEnabled(true);
    m_since->setToolTip(tr("Events at or after this time: 2024-01-31, 2024-01-31T12:00:00Z, or Unix seconds/milliseconds"));
    m_until = new QLineEdit(this);
    m_until->setObjectName(QStringLiteral("until"));
    m_until->setPlaceholderText(tr("Until (ISO 8601)"));
    m_until->setClearButtonEnabled(true);
    m_until->setToolTip(tr("Events before this time"));

    m_predicate = new QLineEdit(this);
    m_predicate->setObjectName(QStringLiteral("predicate"));
    m_predicate->setPlaceholderText(tr("JavaScript predicate on e, e.g. e.data.amount > 100 && e.metadata.userId == \"user-7\""));
    m_predicate->setClearButtonEnabled(true);
    m_predicate->setToolTip(tr("Enter applies. e has position, stream, category, version, id, type, time, timeMs, data, metadata, isJson"));
    connect(m_predicate, &QLineEdit::returnPressed, this, &FilterBar::applyPredicate);
    connect(m_predicate, &QLineEdit::textChanged, this, [this](const QString &text) {
        // Clearing the field removes the predicate at once.
        if (text.trimmed().isEmpty() && !m_appliedPredicate.isEmpty())
            applyPredicate();
    });

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("predicateStatus"));
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_debounce = new QTimer(this);
    m_debounce->setSingleShot(true);
    m_debounce->setInterval(300);
    connect(m_debounce, &QTimer::timeout, this, &FilterBar::queryChanged);
    for (QLineEdit *edit : {m_stream, m_since, m_until}) {
        connect(edit, &QLineEdit::textChanged, this, [this, edit] {
            validateTime(edit);
            m_debounce->start();
        });
        connect(edit, &QLineEdit::returnPressed, this, [this] {
            if (m_debounce->isActive()) {
                m_debounce->stop();
                Q_EMIT queryChanged();
            }
        });
    }

    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_typesButton);
    layout->addWidget(m_stream, 2);
    layout->addWidget(m_since, 1);
    layout->addWidget(m_until, 1);
    layout->addWidget(m_predicate, 4);
    layout->addWidget(m_status);
    updateTypesButton();
}

void FilterBar::setTypes(const QMap<QString, qint64> &counts)
{
    const QStringList checked = selectedTypes();
    m_updatingTypes = true;
    m_types->clear();
    for (auto it = counts.cbegin(); it != counts.cend(); ++it) {
        auto *item = new QListWidgetItem(QStringLiteral("%1  (%2)").arg(it.key(), QLocale().toString(it.value())), m_types);
        item->setData(TypeNameRole, it.key());
        item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
        item->setCheckState(checked.contains(it.key()) ? Qt::Checked : Qt::Unchecked);
    }
    m_updatingTypes = false;
    updateTypesButton();
    if (selectedTypes() != checked)
        Q_EMIT queryChanged();
}

QStringList FilterBar::selectedTypes() const
{
    QStringList out;
    for (int i = 0; i < m_types->count(); ++i) {
        const QListWidgetItem *item = m_types->item(i);
        if (item->checkState() == Qt::Checked)
            out.append(item->data(TypeNameRole).toString());
    }
    return out;
}

void FilterBar::setSelectedTypes(const QStringList &types)
{
    const QStringList before = selectedTypes();
    m_updatingTypes = true;
    for (int i = 0; i < m_types->count(); ++i) {
        QListWidgetItem *item = m_types->item(i);
        item->setCheckState(types.contains(item->data(TypeNameRole).toString()) ? Qt::Checked : Qt::Unchecked);
    }
    m_updatingTypes = false;
    updateTypesButton();
    if (selectedTypes() != before)
        Q_EMIT queryChanged();
}

void FilterBar::updateTypesButton()
{
    const QStringList types = selectedTypes();
    if (types.isEmpty())
        m_typesButton->setText(tr("All types"));
    else if (types.size() == 1)
        m_typesButton->setText(types.constFirst());
    else
        m_typesButton->setText(tr("%n types", nullptr, int(types.size())));
}

void FilterBar::validateTime(QLineEdit *edit)
{
    if (edit == m_stream)
        return;
    const QString text = edit->text().trimmed();
    const bool ok = text.isEmpty() || timeutil::parseTimeValue(text).has_value();
    edit->setProperty("invalid", !ok);
    QPalette palette = edit->palette();
    palette.setColor(QPalette::Text, ok ? QWidget::palette().color(QPalette::Text) : QColor(Qt::red));
    edit->setPalette(palette);
}

bool FilterBar::applyTo(EventQuery &query) const
{
    std::optional<qint64> since;
    std::optional<qint64> until;
    for (const auto &[edit, out] : {std::pair{m_since, &since}, std::pair{m_until, &until}}) {
        const QString text = edit->text().trimmed();
        if (text.isEmpty())
            continue;
        *out = timeutil::parseTimeValue(text);
        if (!*out)
            return false;
    }
    query.types = selectedTypes();
    query.streamGlob = m_stream->text().trimmed();
    query.sinceMs = since;
    query.untilMs = until;
    return true;
}

void FilterBar::applyPredicate()
{
    const QString text = m_predicate->text().trimmed();
    if (text == m_appliedPredicate)
        return;
    m_appliedPredicate = text;
    if (text.isEmpty())
        setPredicateStatus({}, false);
    Q_EMIT predicateChanged(text);
}

void FilterBar::focusPredicate()
{
    m_predicate->setFocus(Qt::ShortcutFocusReason);
    m_predicate->selectAll();
}

void FilterBar::setPredicateStatus(const QString &text, bool error)
{
    m_status->setText(text);
    QPalette palette = m_status->palette();
    palette.setColor(QPalette::WindowText, error ? QColor(Qt::red) : QWidget::palette().color(QPalette::WindowText));
    m_status->setPalette(palette);
    m_status->setToolTip(error ? text : QString());
}

void FilterBar::clear()
{
    m_debounce->stop();
    const bool hadQuery = !selectedTypes().isEmpty() || !m_stream->text().isEmpty() || !m_since->text().isEmpty()
                          || !m_until->text().isEmpty();
    m_updatingTypes = true;
    for (int i = 0; i < m_types->count(); ++i)
        m_types->item(i)->setCheckState(Qt::Unchecked);
    m_updatingTypes = false;
    updateTypesButton();
    for (QLineEdit *edit : {m_stream, m_since, m_until}) {
        const QSignalBlocker block(edit);
        edit->clear();
        validateTime(edit);
    }
    m_debounce->stop();
    if (hadQuery)
        Q_EMIT queryChanged();
    m_predicate->clear(); // emits predicateChanged when one was applied
}

} // namespace eventlens
