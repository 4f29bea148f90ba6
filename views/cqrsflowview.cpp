#include "cqrsflowview.h"

#include <QEvent>
#include <QFontMetricsF>
#include <QHelpEvent>
#include <QLocale>
#include <QPainter>
#include <QPainterPath>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace eventlens {

namespace {

using Stage = CqrsFlowView::Stage;

constexpr std::array<Stage, CqrsFlowView::StageCount> AllStages = {
    Stage::Commands, Stage::CommandHandler, Stage::Aggregate, Stage::EventStore,
    Stage::EventBus, Stage::Projectors, Stage::ReadModels, Stage::Queries,
};

// The arrows: from → to.
constexpr std::array<std::pair<Stage, Stage>, 7> Arrows = {{
    {Stage::Commands, Stage::CommandHandler},
    {Stage::CommandHandler, Stage::Aggregate},
    {Stage::Aggregate, Stage::EventStore},
    {Stage::EventStore, Stage::EventBus},
    {Stage::EventBus, Stage::Projectors},
    {Stage::Projectors, Stage::ReadModels},
    {Stage::Queries, Stage::ReadModels},
}};

constexpr int MaxCounterLines = 3;

QColor mix(const QColor &a, const QColor &b, qreal t)
{
    return QColor::fromRgbF(float(a.redF() * (1 - t) + b.redF() * t), float(a.greenF() * (1 - t) + b.greenF() * t),
                            float(a.blueF() * (1 - t) + b.blueF() * t));
}

// Where the last command stopped, as a stage of the diagram.
Stage stageFor(CommandStage stage)
{
    switch (stage) {
    case CommandStage::Commands:
        return Stage::Commands;
    case CommandStage::CommandHandler:
        return Stage::CommandHandler;
    case CommandStage::Aggregate:
        return Stage::Aggregate;
    case CommandStage::EventStore:
        break;
    }
    return Stage::EventStore;
}

QString outcomeWord(CommandOutcome::Kind kind)
{
    return CommandOutcome::kindName(kind);
}

void drawArrow(QPainter &p, QPointF from, QPointF to, const QColor &color, qreal width)
{
    const QLineF line(from, to);
    if (line.length() < 1)
        return;
    const qreal head = std::max<qreal>(6, width * 3.6);
    const QLineF unit = line.unitVector();
    const QPointF dir(unit.dx(), unit.dy());
    const QPointF normal(-dir.y(), dir.x());
    const QPointF tip = to;
    const QPointF base = tip - dir * head;
    p.setPen(QPen(color, width, Qt::SolidLine, Qt::RoundCap));
    p.drawLine(from, base);
    QPainterPath arrow;
    arrow.moveTo(tip);
    arrow.lineTo(base + normal * head * 0.5);
    arrow.lineTo(base - normal * head * 0.5);
    arrow.closeSubpath();
    p.setPen(Qt::NoPen);
    p.setBrush(color);
    p.drawPath(arrow);
}

} // namespace

QString CqrsFlowView::stageName(Stage stage)
{
    switch (stage) {
    case Stage::Commands:
        return tr("Commands");
    case Stage::CommandHandler:
        return tr("Command Handler");
    case Stage::Aggregate:
        return tr("Aggregate");
    case Stage::EventStore:
        return tr("Event Store");
    case Stage::EventBus:
        return tr("Event Bus");
    case Stage::Projectors:
        return tr("Projectors");
    case Stage::ReadModels:
        return tr("Read Models");
    case Stage::Queries:
        break;
    }
    return tr("Queries");
}

CqrsFlowView::CqrsFlowView(QWidget *parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("cqrsFlowView"));
    setMouseTracking(false);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

CqrsFlowView::~CqrsFlowView() = default;

QSize CqrsFlowView::sizeHint() const
{
    return {520, 280};
}

QSize CqrsFlowView::minimumSizeHint() const
{
    return {300, 150};
}

void CqrsFlowView::setCounters(const CommandCounters &counters)
{
    m_counters = counters;
    m_layoutValid = false;
    update();
}

void CqrsFlowView::setReadModelStatus(const QString &name, qint64 checkpoint, qint64 lag)
{
    m_readModels.insert(name, ReadModelStatus{checkpoint, lag});
    m_layoutValid = false;
    update();
}

void CqrsFlowView::clearReadModels()
{
    m_readModels.clear();
    m_layoutValid = false;
    update();
}

void CqrsFlowView::setQueryCount(qint64 queries)
{
    m_queries = queries;
    m_layoutValid = false;
    update();
}

std::optional<CommandOutcome::Kind> CqrsFlowView::highlightKind() const
{
    if (!m_counters.hasLast)
        return std::nullopt;
    return m_counters.lastKind;
}

bool CqrsFlowView::isHighlighted(Stage stage) const
{
    if (!m_counters.hasLast || stage == Stage::Queries)
        return false;
    // Appended events go on to the bus, the projectors and the read models.
    const Stage last = m_counters.lastKind == CommandOutcome::Kind::Appended ? Stage::ReadModels : stageFor(m_counters.lastStage);
    return int(stage) <= int(last);
}

QStringList CqrsFlowView::highlightedStages() const
{
    QStringList names;
    for (const Stage stage : AllStages) {
        if (isHighlighted(stage))
            names.append(stageName(stage));
    }
    return names;
}

bool CqrsFlowView::isDark(const QPalette &palette)
{
    return palette.color(QPalette::Window).lightness() < 128;
}

QColor CqrsFlowView::outcomeColor(CommandOutcome::Kind kind, const QPalette &palette)
{
    const bool dark = isDark(palette);
    switch (kind) {
    case CommandOutcome::Kind::Appended:
        return dark ? QColor(0x66, 0xbb, 0x6a) : QColor(0x2e, 0x7d, 0x32);
    case CommandOutcome::Kind::Conflict:
        return dark ? QColor(0xff, 0xb3, 0x00) : QColor(0xc7, 0x7c, 0x00);
    case CommandOutcome::Kind::Rejected:
    case CommandOutcome::Kind::Failed:
        break;
    }
    return dark ? QColor(0xef, 0x53, 0x50) : QColor(0xc6, 0x28, 0x28);
}

QStringList CqrsFlowView::counterLines(Stage stage) const
{
    const QLocale locale;
    const auto n = [&locale](qint64 value) { return locale.toString(value); };
    const CommandCounters &c = m_counters;
    const QString none = QStringLiteral("—");
    switch (stage) {
    case Stage::Commands:
        return {tr("received %1").arg(n(c.received))};
    case Stage::CommandHandler:
        return {tr("accepted %1").arg(n(c.accepted)), tr("failed %1").arg(n(c.failed))};
    case Stage::Aggregate:
        return {tr("rejected %1").arg(n(c.rejected)), tr("snapshots %1").arg(n(c.snapshotsTaken))};
    case Stage::EventStore:
        return {tr("%1 events").arg(n(c.eventsAppended)), tr("conflicts %1").arg(n(c.conflicts)),
                c.headPosition < 0 ? tr("head %1").arg(none) : tr("head %1").arg(n(c.headPosition))};
    case Stage::EventBus:
        return {tr("published %1").arg(n(c.eventsAppended))};
    case Stage::Projectors: {
        if (m_readModels.isEmpty())
            return {none};
        qint64 lowest = m_readModels.first().checkpoint;
        for (const ReadModelStatus &s : m_readModels)
            lowest = std::min(lowest, s.checkpoint);
        return {m_readModels.size() == 1 ? tr("1 projector") : tr("%1 projectors").arg(m_readModels.size()),
                tr("checkpoint %1").arg(n(lowest))};
    }
    case Stage::ReadModels: {
        if (m_readModels.isEmpty())
            return {none};
        QStringList lines;
        for (auto it = m_readModels.cbegin(); it != m_readModels.cend(); ++it) {
            if (lines.size() == MaxCounterLines - 1 && m_readModels.size() > MaxCounterLines) {
                lines.append(tr("+%1 more").arg(m_readModels.size() - lines.size()));
                break;
            }
            lines.append(tr("%1: lag %2").arg(it.key(), n(it.value().lag)));
        }
        return lines;
    }
    case Stage::Queries:
        break;
    }
    return {m_queries ? tr("answered %1").arg(n(*m_queries)) : none};
}

QString CqrsFlowView::titleText(Stage stage, bool wrap)
{
    QString name = stageName(stage);
    if (wrap) {
        const qsizetype space = name.indexOf(QLatin1Char(' '));
        if (space > 0)
            name[space] = QLatin1Char('\n');
    }
    return name;
}

QString CqrsFlowView::captionText() const
{
    const CommandCounters &c = m_counters;
    if (!c.hasLast)
        return tr("No command yet: send one from the Command Console (Ctrl+Shift+K).");
    QString text = tr("Last: %1 · %2").arg(c.lastCommand, outcomeWord(c.lastKind));
    if (c.lastKind != CommandOutcome::Kind::Appended)
        text += tr(" at %1").arg(stageName(stageFor(c.lastStage)));
    if (!c.lastMessage.isEmpty())
        text += QStringLiteral(": ") + c.lastMessage;
    return text;
}

QString CqrsFlowView::stageToolTip(Stage stage) const
{
    QString what;
    switch (stage) {
    case Stage::Commands:
        what = tr("Commands sent from the console: requests to change an aggregate.");
        break;
    case Stage::CommandHandler:
        what = tr("Loads the aggregate's state (newest snapshot, then the newer events), has the aggregate decide, "
                  "and appends the events with the expected version.");
        break;
    case Stage::Aggregate:
        what = tr("The decider: decide(command, state) returns new events or throws a domain error (the command is "
                  "rejected). Its state is saved as a snapshot every N events.");
        break;
    case Stage::EventStore:
        what = tr("Appends atomically and durably with optimistic concurrency: a stale expected version is a conflict.");
        break;
    case Stage::EventBus:
        what = tr("Delivers the appended events, in order, to the subscribers.");
        break;
    case Stage::Projectors:
        what = tr("Apply the events to the read models, each remembering its checkpoint.");
        break;
    case Stage::ReadModels:
        what = tr("Views kept in a separate read database; eventually consistent (their lag behind the log).");
        break;
    case Stage::Queries:
        what = tr("Answered from the read models, never from the event store.");
        break;
    }
    return QStringLiteral("<b>%1</b><br>%2<br>%3")
        .arg(stageName(stage).toHtmlEscaped(), what.toHtmlEscaped(), counterLines(stage).join(QStringLiteral(" · ")).toHtmlEscaped());
}

// --- layout ----------------------------------------------------------------------------------

CqrsFlowView::Layout CqrsFlowView::layoutFor(bool singleRow, bool wrapTitles) const
{
    Layout layout;
    layout.singleRow = singleRow;
    layout.wrapTitles = wrapTitles;
    const int titleLines = wrapTitles ? 2 : 1;
    const qreal margin = std::clamp<qreal>(std::min(width(), height()) * 0.03, 4, 14);
    const QRectF area = QRectF(rect()).adjusted(margin, margin, -margin, -margin);
    const qreal captionHeight = std::clamp<qreal>(height() * 0.09, 16, 26);
    layout.caption = QRectF(area.left(), area.top(), area.width(), captionHeight);
    const QRectF body = area.adjusted(0, captionHeight + margin, 0, 0);

    const int columns = singleRow ? StageCount : StageCount / 2;
    const int rows = singleRow ? 1 : 2;
    const qreal cellWidth = body.width() / columns;
    const qreal gapX = std::max<qreal>(16, cellWidth * 0.17);
    const qreal boxWidth = std::max<qreal>(20, cellWidth - gapX);
    const qreal gapY = rows > 1 ? std::max<qreal>(22, body.height() * 0.14) : 0;
    const qreal rowHeight = (body.height() - gapY * (rows - 1)) / rows;
    const qreal boxHeight = std::max<qreal>(20, std::min(rowHeight, boxWidth * (wrapTitles ? 1.1 : 0.9)));

    for (const Stage stage : AllStages) {
        int column = int(stage);
        int row = 0;
        if (!singleRow && int(stage) >= columns) {
            // The read side runs back under the write side: Event Bus under Event Store.
            row = 1;
            column = StageCount - 1 - int(stage);
        }
        const qreal x = body.left() + column * cellWidth + gapX / 2;
        const qreal y = body.top() + row * (rowHeight + gapY) + (rowHeight - boxHeight) / 2;
        layout.boxes[size_t(stage)] = QRectF(x, y, boxWidth, boxHeight);
    }

    // Fonts: the title and three counter lines fill the box's height; narrower boxes shrink
    // them until the widest text fits.
    const qreal pad = std::max<qreal>(3, boxHeight * 0.07);
    qreal size = (boxHeight - 2 * pad) / (1.2 * titleLines + 0.25 + MaxCounterLines * 1.3);
    size = std::clamp<qreal>(size, 6, 16);
    QFont title = font();
    title.setBold(true);
    QFont text = font();
    for (int attempt = 0; attempt < 8; ++attempt) {
        title.setPixelSize(std::max(6, int(size)));
        text.setPixelSize(std::max(6, int(size * 0.88)));
        const QFontMetricsF titleMetrics(title);
        const QFontMetricsF textMetrics(text);
        qreal widest = 0;
        for (const Stage stage : AllStages) {
            const QStringList titleParts = titleText(stage, wrapTitles).split(QLatin1Char('\n'));
            for (const QString &part : titleParts)
                widest = std::max(widest, titleMetrics.horizontalAdvance(part) / (boxWidth - 2 * pad));
            const QStringList lines = counterLines(stage);
            for (const QString &line : lines)
                widest = std::max(widest, textMetrics.horizontalAdvance(line) / (boxWidth - 2 * pad));
        }
        if (widest <= 1.0 || size <= 6)
            break;
        size = std::max<qreal>(6, size / widest - 0.25);
    }
    layout.titlePixelSize = std::max(6, int(size));
    layout.textPixelSize = std::max(6, int(size * 0.88));
    return layout;
}

void CqrsFlowView::updateLayout() const
{
    if (m_layoutValid && m_layoutSize == size())
        return;
    // Whichever arrangement gives the larger text; about the same, one row (it reads as a line)
    // and titles on one line. A wide strip is always one row.
    const bool wide = width() >= 4 * height();
    std::optional<Layout> best;
    qreal bestScore = 0;
    for (const bool singleRow : {true, false}) {
        if (wide && !singleRow)
            continue;
        for (const bool wrap : {false, true}) {
            Layout candidate = layoutFor(singleRow, wrap);
            const qreal score = candidate.titlePixelSize * (singleRow ? 1.1 : 1.0) * (wrap ? 1.0 : 1.1);
            if (!best || score > bestScore) {
                bestScore = score;
                best = std::move(candidate);
            }
        }
    }
    m_layout = *best;
    m_layoutValid = true;
    m_layoutSize = size();
}

QRectF CqrsFlowView::stageRect(Stage stage) const
{
    updateLayout();
    return m_layout.boxes[size_t(stage)];
}

bool CqrsFlowView::isSingleRow() const
{
    updateLayout();
    return m_layout.singleRow;
}

void CqrsFlowView::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    m_layoutValid = false;
}

void CqrsFlowView::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange || event->type() == QEvent::StyleChange) {
        m_layoutValid = false;
        update();
    }
}

bool CqrsFlowView::event(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        const auto *help = static_cast<QHelpEvent *>(event);
        updateLayout();
        for (const Stage stage : AllStages) {
            if (m_layout.boxes[size_t(stage)].contains(help->pos())) {
                QToolTip::showText(help->globalPos(), stageToolTip(stage), this);
                return true;
            }
        }
        if (m_layout.caption.contains(help->pos()) && m_counters.hasLast) {
            QToolTip::showText(help->globalPos(), captionText(), this);
            return true;
        }
        QToolTip::hideText();
        event->ignore();
        return true;
    }
    return QWidget::event(event);
}

// --- painting --------------------------------------------------------------------------------

void CqrsFlowView::paintEvent(QPaintEvent *)
{
    updateLayout();
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QPalette &pal = palette();
    const QColor window = pal.color(QPalette::Window);
    const QColor base = pal.color(QPalette::Base);
    const QColor textColor = pal.color(QPalette::Text);
    const QColor windowText = pal.color(QPalette::WindowText);
    const bool dark = isDark(pal);
    p.fillRect(rect(), window);

    const bool hasLast = m_counters.hasLast;
    const QColor accent = hasLast ? outcomeColor(m_counters.lastKind, pal) : windowText;
    const QColor quiet = mix(windowText, window, 0.45);
    const QColor border = mix(textColor, base, dark ? 0.55 : 0.6);

    // The caption.
    QFont captionFont = font();
    captionFont.setPixelSize(std::max(8, int(std::min<qreal>(m_layout.caption.height() * 0.62, m_layout.titlePixelSize * 1.1))));
    captionFont.setBold(hasLast);
    p.setFont(captionFont);
    p.setPen(hasLast ? accent : quiet);
    const QString caption = QFontMetricsF(captionFont).elidedText(captionText(), Qt::ElideRight, m_layout.caption.width());
    p.drawText(m_layout.caption, Qt::AlignLeft | Qt::AlignVCenter, caption);

    // The arrows, under the boxes.
    for (const auto &[from, to] : Arrows) {
        const QRectF a = m_layout.boxes[size_t(from)];
        const QRectF b = m_layout.boxes[size_t(to)];
        const bool lit = isHighlighted(from) && isHighlighted(to);
        QPointF start;
        QPointF end;
        const qreal inset = 2;
        if (std::abs(a.center().y() - b.center().y()) < 1) {
            const qreal y = a.center().y();
            if (a.center().x() < b.center().x()) {
                start = QPointF(a.right() + inset, y);
                end = QPointF(b.left() - inset, y);
            } else {
                start = QPointF(a.left() - inset, y);
                end = QPointF(b.right() + inset, y);
            }
        } else {
            const qreal x = a.center().x();
            start = QPointF(x, a.bottom() + inset);
            end = QPointF(x, b.top() - inset);
        }
        drawArrow(p, start, end, lit ? accent : quiet, lit ? 2.6 : 1.4);
    }

    // The boxes.
    QFont titleFont = font();
    titleFont.setBold(true);
    titleFont.setPixelSize(int(m_layout.titlePixelSize));
    QFont textFont = font();
    textFont.setPixelSize(int(m_layout.textPixelSize));
    const QFontMetricsF titleMetrics(titleFont);
    const QFontMetricsF textMetrics(textFont);
    const Stage stop = m_counters.lastKind == CommandOutcome::Kind::Appended ? Stage::EventStore : stageFor(m_counters.lastStage);
    for (const Stage stage : AllStages) {
        const QRectF box = m_layout.boxes[size_t(stage)];
        const bool lit = isHighlighted(stage);
        const qreal radius = std::min<qreal>(10, box.height() * 0.12);
        p.setPen(QPen(lit ? accent : border, lit ? 2.4 : 1.2));
        p.setBrush(lit ? mix(base, accent, dark ? 0.22 : 0.12) : base);
        p.drawRoundedRect(box, radius, radius);

        const qreal pad = std::max<qreal>(3, box.height() * 0.07);
        const QRectF inner = box.adjusted(pad, pad, -pad, -pad);
        const qreal titleHeight = titleMetrics.height() * (m_layout.wrapTitles ? 2.3 : 1.2);
        const QRectF titleRect(inner.left(), inner.top(), inner.width(), titleHeight);
        p.setFont(titleFont);
        p.setPen(textColor);
        QStringList titleLines = titleText(stage, m_layout.wrapTitles).split(QLatin1Char('\n'));
        for (QString &line : titleLines)
            line = titleMetrics.elidedText(line, Qt::ElideRight, inner.width());
        p.drawText(titleRect, Qt::AlignCenter, titleLines.join(QLatin1Char('\n')));
        p.setPen(QPen(mix(textColor, base, 0.8), 1));
        const qreal ruleY = titleRect.bottom() + 1;
        p.drawLine(QPointF(inner.left() + inner.width() * 0.15, ruleY), QPointF(inner.right() - inner.width() * 0.15, ruleY));

        p.setFont(textFont);
        p.setPen(mix(textColor, base, 0.25));
        const QStringList lines = counterLines(stage);
        const qreal lineHeight = textMetrics.height() * 1.15;
        qreal y = ruleY + std::max<qreal>(2, (inner.bottom() - ruleY - lineHeight * MaxCounterLines) / 2);
        for (const QString &line : lines) {
            if (y + lineHeight > inner.bottom() + 1)
                break;
            p.drawText(QRectF(inner.left(), y, inner.width(), lineHeight), Qt::AlignCenter,
                       textMetrics.elidedText(line, Qt::ElideRight, inner.width()));
            y += lineHeight;
        }

        // Where the last command stopped: a badge on the box's top edge.
        if (hasLast && stage == stop) {
            const QString word = outcomeWord(m_counters.lastKind);
            QFont badgeFont = textFont;
            badgeFont.setBold(true);
            const QFontMetricsF badgeMetrics(badgeFont);
            const qreal w = badgeMetrics.horizontalAdvance(word) + badgeMetrics.height();
            const qreal h = badgeMetrics.height() * 1.15;
            const QRectF badge(std::max(box.left() + 2, box.right() - w - radius), box.top() - h / 2, w, h);
            p.setPen(Qt::NoPen);
            p.setBrush(accent);
            p.drawRoundedRect(badge, h / 2, h / 2);
            p.setFont(badgeFont);
            p.setPen(accent.lightness() > 140 ? QColor(Qt::black) : QColor(Qt::white));
            p.drawText(badge, Qt::AlignCenter, word);
        }
    }
}

} // namespace eventlens
