#include "readmodel.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QStringDecoder>

namespace eventlens {

namespace {

ReadModelDefinition loadBundled(const char *name, const char *title)
{
    ReadModelDefinition d;
    d.name = QString::fromLatin1(name);
    d.title = QString::fromLatin1(title);
    d.fileName = d.name + QStringLiteral(".js");
    d.bundled = true;
    QFile file(QStringLiteral(":/eventlens/readmodels/") + d.fileName);
    if (file.open(QIODevice::ReadOnly))
        d.script = QString::fromUtf8(file.readAll());
    else
        qWarning("eventlens: the bundled read model %s is missing from the resources", name);
    return d;
}

} // namespace

QString ReadModelDefinition::scriptSha256() const
{
    return QString::fromLatin1(QCryptographicHash::hash(script.toUtf8(), QCryptographicHash::Sha256).toHex());
}

const std::vector<ReadModelDefinition> &ReadModelDefinition::bundledModels()
{
    static const std::vector<ReadModelDefinition> models{
        loadBundled("balance", "Account balances"),
        loadBundled("orders", "Orders"),
    };
    return models;
}

std::optional<ReadModelDefinition> ReadModelDefinition::bundledModel(const QString &name)
{
    for (const ReadModelDefinition &d : bundledModels()) {
        if (d.name == name)
            return d;
    }
    return std::nullopt;
}

QStringList ReadModelDefinition::bundledNames()
{
    QStringList names;
    for (const ReadModelDefinition &d : bundledModels())
        names.append(d.name);
    return names;
}

bool ReadModelDefinition::isValidName(const QString &name)
{
    static const QRegularExpression pattern(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"));
    return pattern.match(name).hasMatch();
}

ReadModelDefinition ReadModelDefinition::fromScript(const QString &name, const QString &script, const QString &fileName)
{
    ReadModelDefinition d;
    d.name = name;
    d.title = name;
    d.script = script;
    d.fileName = fileName;
    return d;
}

std::optional<ReadModelDefinition> ReadModelDefinition::fromFile(const QString &name, const QString &path, QString *error)
{
    QString ignored;
    QString &why = error ? *error : ignored;
    if (!isValidName(name)) {
        why = QStringLiteral("'%1' is not a valid read model name (letters, digits, '_', '-', '.'; at most 64)").arg(name);
        return std::nullopt;
    }
    const QFileInfo fi(path);
    if (!fi.exists()) {
        why = QStringLiteral("script not found: %1").arg(path);
        return std::nullopt;
    }
    QFile file(path);
    if (fi.isDir() || !file.open(QIODevice::ReadOnly)) {
        why = QStringLiteral("cannot read %1: %2").arg(path, fi.isDir() ? QStringLiteral("a folder") : file.errorString());
        return std::nullopt;
    }
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString text = decoder(file.readAll());
    if (decoder.hasError()) {
        why = QStringLiteral("%1 is not UTF-8 text").arg(path);
        return std::nullopt;
    }
    return fromScript(name, text, fi.fileName());
}

} // namespace eventlens
