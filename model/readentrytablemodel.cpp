#include "readentrytablemodel.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace eventlens {

namespace {

using Json = nlohmann::ordered_json;

constexpr size_t kSampledRows = 50; // the field columns come from the first entries

QString compact(const Json &value)
{
    return QString::fromStdString(value.dump(-1, ' ', false, Json::error_handler_t::replace));
}

QVariant cellValue(const Json &value)
{
    switch (value.type()) {
    case Json::value_t::string:
        return QString::fromStdString(value.get<std::string>());
    case Json::value_t::number_integer:
        return qlonglong(value.get<qint64>());
    case Json::value_t::number_unsigned:
        return qlonglong(value.get<quint64>());
    case Json::value_t::number_float:
        return value.get<double>();
    case Json::value_t::boolean:
        return value.get<bool>();
    case Json::value_t::null:
    case Json::value_t::discarded:
        return {};
    default:
        return compact(value);
    }
}

} // namespace

ReadEntryTableModel::ReadEntryTableModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

ReadEntryTableModel::~ReadEntryTableModel() = default;

void ReadEntryTableModel::setMaxFieldColumns(int count)
{
    m_maxFields = std::max(0, count);
}

void ReadEntryTableModel::setEntries(std::vector<ReadEntry> entries)
{
    // The columns: scalar members first, then the others, each group in order of appearance.
    QStringList scalars;
    QStringList others;
    for (size_t i = 0; i < entries.size() && i < kSampledRows; ++i) {
        const Json value = entries[i].json();
        if (!value.is_object())
            continue;
        for (const auto &[key, member] : value.items()) {
            const QString name = QString::fromStdString(key);
            if (scalars.contains(name) || others.contains(name))
                continue;
            (member.is_object() || member.is_array() ? others : scalars).append(name);
        }
    }
    beginResetModel();
    m_entries = std::move(entries);
    m_fields = (scalars + others).mid(0, m_maxFields);
    endResetModel();
}

void ReadEntryTableModel::clear()
{
    beginResetModel();
    m_entries.clear();
    m_fields.clear();
    endResetModel();
}

int ReadEntryTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

int ReadEntryTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_fields.size()) + 2;
}

QVariant ReadEntryTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ReadEntry &e = m_entries[size_t(index.row())];
    switch (role) {
    case KeyRole:
        return e.key;
    case PositionRole:
        return qlonglong(e.position);
    case ValueRole:
        return QString::fromUtf8(e.value);
    case Qt::DisplayRole:
    case Qt::ToolTipRole: {
        if (index.column() == keyColumn())
            return e.key;
        if (index.column() == positionColumn())
            return qlonglong(e.position);
        const Json value = e.json();
        const std::string field = m_fields.at(index.column() - 1).toStdString();
        if (!value.is_object() || !value.contains(field))
            return {};
        return role == Qt::DisplayRole ? cellValue(value[field]) : QVariant(compact(value[field]));
    }
    case Qt::TextAlignmentRole: {
        // Numbers to the right, like the position.
        const auto right = QVariant::fromValue(Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter));
        if (index.column() == positionColumn())
            return right;
        if (index.column() == keyColumn())
            return {};
        const Json value = e.json();
        const std::string field = m_fields.at(index.column() - 1).toStdString();
        return value.is_object() && value.contains(field) && value[field].is_number() ? right : QVariant();
    }
    default:
        return {};
    }
}

QVariant ReadEntryTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section < 0 || section >= columnCount())
        return {};
    if (section == keyColumn())
        return tr("Key");
    if (section == positionColumn())
        return tr("Position");
    return m_fields.at(section - 1);
}

} // namespace eventlens
