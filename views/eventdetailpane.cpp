#include "eventdetailpane.h"

#include "event.h"
#include "eventlistmodel.h"
#include "jsonformat.h"
#include "jsontreemodel.h"
#include "jsontreeview.h"
#include "timeutil.h"

#include <nlohmann/json.hpp>

#include <QApplication>
#include <QClipboard>
#include <QHBoxLayout>
#include <QTabWidget>
#include <QToolButton>

#include <QFontDatabase>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QStackedWidget>
#include <QVBoxLayout>

#include <climits>

namespace eventlens {

namespace {

QPlainTextEdit *makeTextView(const QString &objectName, QWidget *parent)
{
    auto *edit = new QPlainTextEdit(parent);
    edit->setObjectName(objectName);
    edit->setReadOnly(true);
    edit->setLineWrapMode(QPlainTextEdit::NoWrap);
    edit->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    edit->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    return edit;
}

QWidget *titled(const QString &title, QLabel **titleLabel, QWidget *content, QWidget *parent)
{
    auto *box = new QWidget(parent);
    auto *layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    auto *label = new QLabel(title, box);
    QFont bold = label->font();
    bold.setBold(true);
    label->setFont(bold);
    label->setBuddy(content);
    layout->addWidget(label);
    layout->addWidget(content, 1);
    if (titleLabel)
        *titleLabel = label;
    return box;
}

QString shown(const QByteArray &bytes, bool json)
{
    const bool cut = bytes.size() > EventDetailPane::MaxShownBytes;
    const QByteArray head = cut ? bytes.left(EventDetailPane::MaxShownBytes) : bytes;
    QString text = json ? jsonformat::pretty(head) : jsonformat::rawBytes(head);
    if (cut) {
        text += QStringLiteral("\n… (%1 of %2 bytes shown)")
                    .arg(QLocale().toString(EventDetailPane::MaxShownBytes), QLocale().toString(bytes.size()));
    }
    return text;
}

} // namespace

EventDetailPane::EventDetailPane(QWidget *parent)
    : QWidget(parent)
{
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    m_stack = new QStackedWidget(this);
    outer->addWidget(m_stack);

    auto *empty = new QLabel(tr("Select an event to see its data and metadata."), m_stack);
    empty->setObjectName(QStringLiteral("emptyLabel"));
    empty->setAlignment(Qt::AlignCenter);
    empty->setWordWrap(true);
    empty->setEnabled(false);
    m_stack->addWidget(empty);

    auto *page = new QWidget(m_stack);
    auto *layout = new QVBoxLayout(page);
    layout->setContentsMargins(6, 6, 6, 6);
    m_form = new QFormLayout;
    m_form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_form->setLabelAlignment(Qt::AlignLeft);
    layout->addLayout(m_form);
    m_position = addField(tr("Position"), QStringLiteral("positionValue"));
    m_stream = addField(tr("Stream"), QStringLiteral("streamValue"));
    m_version = addField(tr("Version"), QStringLiteral("versionValue"));
    m_type = addField(tr("Type"), QStringLiteral("typeValue"));
    m_id = addField(tr("Id"), QStringLiteral("idValue"));
    m_time = addField(tr("Time"), QStringLiteral("timeValue"));
    m_hash = addField(tr("Hash"), QStringLiteral("hashValue"));
    m_hash->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_links = new QLabel(this);
    m_links->setObjectName(QStringLiteral("relatedLinks"));
    m_links->setTextFormat(Qt::RichText);
    m_links->setTextInteractionFlags(Qt::LinksAccessibleByMouse | Qt::LinksAccessibleByKeyboard);
    m_links->setWordWrap(true);
    connect(m_links, &QLabel::linkActivated, this, [this](const QString &link) {
        const qsizetype colon = link.indexOf(u':');
        if (colon > 0)
            Q_EMIT relatedEventsRequested(link.left(colon), link.mid(colon + 1));
    });
    m_form->addRow(tr("Related"), m_links);

    auto *buttons = new QHBoxLayout;
    auto *copyJson = new QToolButton(this);
    copyJson->setObjectName(QStringLiteral("copyJsonButton"));
    copyJson->setText(tr("Copy JSON"));
    copyJson->setToolTip(tr("Copy the event as one canonical JSON line"));
    connect(copyJson, &QToolButton::clicked, this, &EventDetailPane::copyJson);
    auto *copyId = new QToolButton(this);
    copyId->setObjectName(QStringLiteral("copyIdButton"));
    copyId->setText(tr("Copy Id"));
    connect(copyId, &QToolButton::clicked, this, &EventDetailPane::copyId);
    buttons->addWidget(copyJson);
    buttons->addWidget(copyId);
    buttons->addStretch(1);
    layout->addLayout(buttons);

    m_splitter = new QSplitter(Qt::Vertical, page);
    m_splitter->setObjectName(QStringLiteral("detailSplitter"));
    m_splitter->setChildrenCollapsible(false);
    m_splitter->addWidget(titled(tr("Data"), &m_dataLabel, payloadView(QStringLiteral("data"), &m_dataTree, &m_data, &m_dataTabs), m_splitter));
    m_splitter->addWidget(titled(tr("Metadata"), nullptr, payloadView(QStringLiteral("metadata"), &m_metadataTree, &m_metadata, &m_metadataTabs), m_splitter));
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 2);
    layout->addWidget(m_splitter, 1);
    m_stack->addWidget(page);

    clear();
}

QWidget *EventDetailPane::payloadView(const QString &name, JsonTreeView **tree, QPlainTextEdit **text, QTabWidget **tabs)
{
    *tabs = new QTabWidget(this);
    (*tabs)->setObjectName(name + QStringLiteral("Tabs"));
    (*tabs)->setDocumentMode(true);
    *tree = new JsonTreeView(*tabs);
    (*tree)->setObjectName(name + QStringLiteral("Tree"));
    *text = makeTextView(name + QStringLiteral("Text"), *tabs);
    (*tabs)->addTab(*tree, tr("Tree"));
    (*tabs)->addTab(*text, tr("Text"));
    return *tabs;
}

QLineEdit *EventDetailPane::addField(const QString &label, const QString &objectName)
{
    // A frameless read-only line edit: looks like a label, but a long id or hash can be
    // scrolled, selected and copied whole, and never widens the pane.
    auto *value = new QLineEdit(this);
    value->setObjectName(objectName);
    value->setReadOnly(true);
    value->setFrame(false);
    value->setFocusPolicy(Qt::ClickFocus);
    QPalette palette = value->palette();
    palette.setColor(QPalette::Base, Qt::transparent);
    value->setPalette(palette);
    m_form->addRow(label, value);
    return value;
}

void EventDetailPane::clear()
{
    for (QLineEdit *field : {m_position, m_stream, m_version, m_type, m_id, m_time, m_hash})
        field->clear();
    m_data->clear();
    m_metadata->clear();
    m_dataTree->model()->clear();
    m_metadataTree->model()->clear();
    m_links->clear();
    m_eventJson.clear();
    m_stack->setCurrentIndex(0);
}

void EventDetailPane::showIndex(const QModelIndex &index)
{
    if (!index.isValid()) {
        clear();
        return;
    }
    const QModelIndex row = index.siblingAtColumn(0);
    const auto value = [&row](int role) { return row.data(role); };

    const auto set = [](QLineEdit *field, const QString &text) {
        field->setText(text);
        field->setCursorPosition(0); // show the start of long values
    };
    set(m_position, QString::number(value(EventListModel::PositionRole).toLongLong()));
    set(m_stream, value(EventListModel::StreamRole).toString());
    set(m_version, QString::number(value(EventListModel::VersionRole).toLongLong()));
    set(m_type, value(EventListModel::TypeRole).toString());
    set(m_id, value(EventListModel::IdRole).toString());
    set(m_time, timeutil::formatIsoString(value(EventListModel::TimeRole).toLongLong()));
    const QByteArray hash = value(EventListModel::HashRole).toByteArray();
    set(m_hash, hash.isEmpty() ? tr("(none)") : QString::fromLatin1(hash.toHex()));

    const QByteArray data = value(EventListModel::DataRole).toByteArray();
    const bool isJson = value(EventListModel::DataIsJsonRole).toBool();
    m_dataLabel->setText(isJson ? tr("Data") : tr("Data (raw bytes, not JSON: %n bytes)", nullptr, int(qMin<qsizetype>(data.size(), INT_MAX))));
    m_data->setPlainText(shown(data, isJson));
    const QByteArray metadata = value(EventListModel::MetadataRole).toByteArray();
    m_metadata->setPlainText(shown(metadata, true));
    if (data.size() > MaxShownBytes)
        m_dataTree->model()->setRawData(data.left(MaxShownBytes), tr("too large for a tree: see Text"));
    else if (isJson)
        m_dataTree->model()->setDocument(data);
    else
        m_dataTree->model()->setRawData(data, tr("not JSON"));
    m_metadataTree->model()->setDocument(metadata);

    // Correlation and causation ids, under the names sources use for them.
    QStringList links;
    const nlohmann::json meta = nlohmann::json::parse(metadata.constData(), metadata.constData() + metadata.size(), nullptr, false);
    if (meta.is_object()) {
        const auto link = [&](const char *kind, std::initializer_list<const char *> keys, const QString &label) {
            for (const char *key : keys) {
                const auto it = meta.find(key);
                if (it == meta.end() || !it->is_string())
                    continue;
                const QString id = QString::fromStdString(it->get<std::string>());
                links.append(QStringLiteral("%1: <a href=\"%2:%3\">%4</a>")
                                 .arg(label, QLatin1StringView(kind), id.toHtmlEscaped(), id.toHtmlEscaped()));
                return;
            }
        };
        link("causation", {"causationId", "causation_id", "$causationId", "causationid"}, tr("caused by"));
        link("correlation", {"correlationId", "correlation_id", "$correlationId", "correlationid"}, tr("correlation"));
    }
    m_links->setText(links.isEmpty() ? tr("(no correlation or causation id)") : links.join(QStringLiteral("<br>")));

    Event e;
    e.position = value(EventListModel::PositionRole).toLongLong();
    e.stream = value(EventListModel::StreamRole).toString();
    e.version = value(EventListModel::VersionRole).toLongLong();
    e.id = value(EventListModel::IdRole).toString();
    e.type = value(EventListModel::TypeRole).toString();
    e.data = data;
    e.dataIsJson = isJson;
    e.metadata = metadata;
    e.timeMs = value(EventListModel::TimeRole).toLongLong();
    m_eventJson = QString::fromUtf8(e.toJsonLine());
    m_stack->setCurrentIndex(1);
}

QString EventDetailPane::eventId() const
{
    return m_stack->currentIndex() == 0 ? QString() : m_id->text();
}

void EventDetailPane::copyJson()
{
    if (!m_eventJson.isEmpty())
        QApplication::clipboard()->setText(m_eventJson);
}

void EventDetailPane::copyId()
{
    if (!eventId().isEmpty())
        QApplication::clipboard()->setText(eventId());
}

QString EventDetailPane::dataText() const
{
    return m_data->toPlainText();
}

QString EventDetailPane::metadataText() const
{
    return m_metadata->toPlainText();
}

QString EventDetailPane::text() const
{
    if (m_stack->currentIndex() == 0)
        return {};
    QString out;
    for (int r = 0; r < m_form->rowCount(); ++r) {
        const auto *label = qobject_cast<QLabel *>(m_form->itemAt(r, QFormLayout::LabelRole)->widget());
        const auto *value = qobject_cast<QLineEdit *>(m_form->itemAt(r, QFormLayout::FieldRole)->widget());
        if (label && value)
            out += label->text() % QStringLiteral(": ") % value->text() % QLatin1Char('\n');
    }
    out += m_dataLabel->text() % QLatin1Char('\n') % dataText() % QLatin1Char('\n');
    out += tr("Metadata") % QLatin1Char('\n') % metadataText() % QLatin1Char('\n');
    return out;
}

} // namespace eventlens
