#include "specificationrunner.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStringDecoder>

#include <stdexcept>

namespace eventlens {

namespace {

[[noreturn]] void fail(const QString &message)
{
    throw std::runtime_error(message.toStdString());
}

// A decider script as UTF-8 text (the messages are those of the CLI's other commands).
QString readScript(const QString &path)
{
    const QFileInfo fi(path);
    if (!fi.exists())
        fail(QStringLiteral("script not found: %1").arg(path));
    if (fi.isDir())
        fail(QStringLiteral("%1 is a folder, not a script").arg(path));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        fail(QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString text = decoder(file.readAll());
    if (decoder.hasError())
        fail(QStringLiteral("%1 is not UTF-8 text").arg(path));
    return text;
}

} // namespace

SpecificationRunner::SpecificationRunner() = default;
SpecificationRunner::~SpecificationRunner() = default;

std::vector<Specification> SpecificationRunner::load(const QString &file)
{
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly))
        fail(QStringLiteral("cannot read %1: %2").arg(file, f.errorString()));
    try {
        return Specification::parse(f.readAll());
    } catch (const std::runtime_error &e) {
        fail(QStringLiteral("%1: %2").arg(file, QString::fromUtf8(e.what())));
    }
}

QString SpecificationRunner::displayName(const Specification &spec, int index)
{
    return spec.name.isEmpty() ? QStringLiteral("specification %1").arg(index + 1) : spec.name;
}

QString SpecificationRunner::deciderPath(const Specification &spec, const QString &file)
{
    if (!spec.domain.isEmpty())
        return {};
    return QFileInfo(QFileInfo(file).dir(), spec.deciderFile).absoluteFilePath();
}

Decider &SpecificationRunner::deciderFor(const Specification &spec, const QString &file)
{
    const QString key = spec.domain.isEmpty() ? deciderPath(spec, file) : spec.domain;
    std::unique_ptr<Decider> &decider = m_deciders[key];
    if (!decider)
        decider = spec.domain.isEmpty() ? std::make_unique<Decider>(readScript(key), key) : Decider::bundled(spec.domain);
    if (!decider->isValid())
        fail(QStringLiteral("%1: %2").arg(decider->fileName(), decider->error()->toString()));
    return *decider;
}

SpecificationOutcome SpecificationRunner::run(const Specification &spec, const QString &file, int index)
{
    SpecificationOutcome out;
    out.file = file;
    out.index = index;
    out.name = displayName(spec, index);
    try {
        out.result = spec.run(deciderFor(spec, file));
    } catch (const DeciderError &e) {
        out.result = {};
        out.result.message = e.error().toString();
    } catch (const std::runtime_error &e) {
        out.result = {};
        out.result.message = QString::fromUtf8(e.what());
    }
    return out;
}

std::vector<SpecificationOutcome> SpecificationRunner::runFile(const QString &file)
{
    const std::vector<Specification> specs = load(file);
    std::vector<SpecificationOutcome> out;
    out.reserve(specs.size());
    for (size_t i = 0; i < specs.size(); ++i)
        out.push_back(run(specs[i], file, int(i)));
    return out;
}

} // namespace eventlens
