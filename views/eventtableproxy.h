#pragma once

#include <QByteArray>
#include <QIdentityProxyModel>
#include <QSet>
#include <QString>

namespace eventlens {

// The presentation of an EventListModel in a table: the model gives raw typed values, this
// proxy turns them into what a cell shows. DisplayRole becomes text (position and version as
// numbers, time as "YYYY-MM-DDTHH:MM:SS.mmmZ", data as a one-line preview), numeric columns
// are right-aligned, and the data column's ToolTipRole is the data itself, cut to a sane size
// (dataToolTip(), HTML-escaped in a <pre> block: data that looks like HTML is shown as it is).
// Rows, columns and every other role pass through unchanged (an identity proxy), so the named
// roles of EventListModel can be read through it.
class EventTableProxy final : public QIdentityProxyModel
{
    Q_OBJECT

public:
    // Characters of the data column's preview.
    static constexpr int PreviewLength = 160;
    // Bounds of the data column's tooltip: bytes of the data looked at, lines shown, characters
    // per line.
    static constexpr qsizetype ToolTipBytes = 4096;
    static constexpr int ToolTipLines = 25;
    static constexpr int ToolTipLineLength = 120;

    explicit EventTableProxy(QObject *parent = nullptr);

    // Times in UTC ("…Z", the default) or in the local time zone ("…+01:00"). Changing it
    // repaints the time column (a layout change, no reset).
    void setLocalTime(bool local);
    bool localTime() const { return m_localTime; }
    // Events shown struck through (skipped in the state pane), by position.
    void setSkippedPositions(const QSet<qint64> &positions);
    const QSet<qint64> &skippedPositions() const { return m_skipped; }
    // The time column's text for ms since the epoch.
    QString formatTime(qint64 ms) const;

    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

    // The data column's text: the start of the JSON, or of the raw bytes (as text when they
    // are UTF-8, else their size and first bytes in hex), on one line (line breaks and other
    // control characters become spaces), at most maxChars characters.
    static QString dataPreview(const QByteArray &data, bool isJson, int maxChars = PreviewLength);

    // The data column's tooltip as plain text: the JSON re-indented, or the raw bytes as text
    // or as a hex dump, cut to ToolTipLines lines of ToolTipLineLength characters ("…" marks
    // every cut). Empty when there is no data.
    static QString dataToolTip(const QByteArray &data, bool isJson);

private:
    bool m_localTime = false;
    QSet<qint64> m_skipped;
};

} // namespace eventlens
