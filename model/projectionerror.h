#pragma once

#include <QString>
#include <QtGlobal>

namespace eventlens {

// Why a projection did not compile, could not be defined, or failed at an event.
struct ProjectionError
{
    enum class Kind {
        Syntax,     // the script does not parse
        Definition, // the script ran but does not define a projection (no selector, no when(),
                    // an unknown option, a selector twice...), or threw while defining it
        Runtime,    // a handler, partitionBy, transformBy or filterBy threw at an event
        Timeout,    // a call ran longer than the time budget and was interrupted
    };

    Kind kind = Kind::Runtime;
    QString message;   // the JavaScript message ("TypeError: Cannot read property 'x' of undefined")
    int line = 0;      // 1-based line in the user's script, 0: unknown
    int column = 0;    // 1-based column, 0: unknown
    qint64 position = 0; // the event's position for Runtime and Timeout, 0: not at an event

    // "syntax error at line 3, column 7: Unexpected token `}'"
    // "runtime error at position 17 (line 4, column 9): TypeError: ..."
    // "timeout at position 17: the script ran longer than 5000 ms"
    QString toString() const;
    // "syntax", "definition", "runtime", "timeout"
    static QString kindName(Kind kind);

    bool operator==(const ProjectionError &other) const = default;
};

} // namespace eventlens
