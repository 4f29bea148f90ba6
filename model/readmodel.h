#pragma once

#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace eventlens {

// A read model: a name and the KurrentDB-style projection script (DESIGN.md §4) that computes it.
// Each partition of the projection (foreachStream or partitionBy) becomes one entry keyed by the
// partition (an unpartitioned projection gives one entry, key ""), its value the partition's
// result when the script has transformBy / filterBy / outputState (a null result removes the
// entry), else its state. Projector keeps it in a ReadDatabase.
//
// Bundled (resources/readmodels, compiled in as :/eventlens/readmodels/<name>.js):
// * balance: one entry per account stream (account-*): {owner, currency, status ("open" /
//   "closed", null before AccountOpened), balance, lastChangedAt}. Every change of money is
//   computed in integer cents and stored as a number with at most two decimals (exact cents are
//   recovered from it at each step), so balances never drift.
// * orders: one entry per order stream (order-*): {customer, currency, status ("placed", "paid",
//   "shipped", "cancelled"), items [{sku, name, qty, price}], total, lastChangedAt}.
struct ReadModelDefinition
{
    QString name;     // the key of the model in the read database and on the command line
    QString title;    // for people ("Account balances")
    QString script;   // the projection
    QString fileName; // where the script came from, for error messages ("balance.js")
    bool bundled = false;

    // Hex SHA-256 of the script's UTF-8 text: a projector rebuilds the model when it changes.
    QString scriptSha256() const;

    // The bundled models, in a fixed order (balance, orders).
    static const std::vector<ReadModelDefinition> &bundledModels();
    static std::optional<ReadModelDefinition> bundledModel(const QString &name);
    static QStringList bundledNames();

    // A user's model: the script read from a file (UTF-8). nullopt and *error when the name is
    // not valid or the file cannot be read.
    static std::optional<ReadModelDefinition> fromFile(const QString &name, const QString &path, QString *error = nullptr);
    // A user's model from a script text.
    static ReadModelDefinition fromScript(const QString &name, const QString &script, const QString &fileName);

    // Letters, digits, '_', '-' and '.', starting with a letter or digit, at most 64 characters
    // (a model's name is also a URL path segment of the HTTP API).
    static bool isValidName(const QString &name);
};

} // namespace eventlens
