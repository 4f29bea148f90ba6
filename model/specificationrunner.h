#pragma once

#include "decider.h"
#include "specification.h"

#include <QString>

#include <map>
#include <memory>
#include <vector>

namespace eventlens {

// What running one specification gave.
struct SpecificationOutcome
{
    QString file;  // the file it came from, as given (empty: not from a file)
    int index = 0; // 0-based in its file
    QString name;  // its name, or "specification N" (1-based) when it has none
    Specification::Result result; // passed, and why not (message)

    bool passed() const { return result.passed; }
};

// Runs given/when/then specifications (Specification) the way `eventlens-cli spec run` and the
// GUI's specification dialog do: each with the decider it names, a bundled "domain" or a
// "decider" file found relative to the specification's file, loaded once per runner and
// reused by the specifications after it. A decider that cannot be read or does not compile
// fails the specifications that use it (the message says why, with line and column), not the
// run. Runs in memory: no store is read or written.
//
// Threads: create, use and destroy a runner on one thread (its deciders are JavaScript engines).
class SpecificationRunner final
{
public:
    SpecificationRunner();
    ~SpecificationRunner();
    SpecificationRunner(const SpecificationRunner &) = delete;
    SpecificationRunner &operator=(const SpecificationRunner &) = delete;

    // The specifications of a file. Throws std::runtime_error: "cannot read FILE: why" or
    // "FILE: what is wrong in it" (Specification::parse names the specification and field).
    static std::vector<Specification> load(const QString &file);
    // The specification's name, or "specification N" (index is 0-based).
    static QString displayName(const Specification &spec, int index);
    // The decider file a specification names, as an absolute path: relative to the directory of
    // `file` (the current directory when file is empty). Empty for a bundled domain.
    static QString deciderPath(const Specification &spec, const QString &file);

    // Runs one specification; file is where it came from (for a relative "decider").
    SpecificationOutcome run(const Specification &spec, const QString &file, int index);
    // Loads a file and runs all its specifications in order; throws like load().
    std::vector<SpecificationOutcome> runFile(const QString &file);

private:
    // The decider of a specification (cached); throws std::runtime_error or DeciderError.
    Decider &deciderFor(const Specification &spec, const QString &file);

    std::map<QString, std::unique_ptr<Decider>> m_deciders; // by domain name or absolute file
};

} // namespace eventlens
