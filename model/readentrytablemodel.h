#pragma once

#include "readdatabase.h"

#include <QAbstractTableModel>
#include <QString>
#include <QStringList>

#include <vector>

namespace eventlens {

// The answer of a read-model query (ReadModelHost::query) as a table: the entry's key, a few
// fields of its JSON value, and its position.
//
// The field columns are the top-level members of the entries' values (objects), in the order
// they first appear in the first entries, members with scalar values (strings, numbers,
// booleans) before those with objects or arrays, at most maxFieldColumns of them.
//
// Roles: Qt::DisplayRole gives raw typed values: the key (QString), a field (QString for a
// string, double or qlonglong for a number, bool, the compact JSON text for an object or an
// array, an invalid QVariant for null or a missing member), the position (qlonglong).
// KeyRole, PositionRole and ValueRole (the whole value, compact JSON text) on every column.
// Qt::ToolTipRole: the field's compact JSON; Qt::TextAlignmentRole: numbers to the right.
class ReadEntryTableModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Roles { KeyRole = Qt::UserRole + 1, PositionRole, ValueRole };
    static constexpr int DefaultMaxFieldColumns = 4;

    explicit ReadEntryTableModel(QObject *parent = nullptr);
    ~ReadEntryTableModel() override;

    // Replaces the rows (a model reset); the field columns are chosen again.
    void setEntries(std::vector<ReadEntry> entries);
    void clear();
    const std::vector<ReadEntry> &entries() const { return m_entries; }
    const ReadEntry &entry(int row) const { return m_entries[size_t(row)]; }

    // Applies from the next setEntries().
    void setMaxFieldColumns(int count);
    int maxFieldColumns() const { return m_maxFields; }
    QStringList fieldColumns() const { return m_fields; }
    // Column numbers: 0 the key, 1..fields the fields, then the position.
    int keyColumn() const { return 0; }
    int positionColumn() const { return int(m_fields.size()) + 1; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<ReadEntry> m_entries;
    QStringList m_fields;
    int m_maxFields = DefaultMaxFieldColumns;
};

} // namespace eventlens
