#pragma once

// Helpers shared by the item-model tests.

#include <QAbstractItemModel>
#include <QAbstractItemModelTester>

#include <memory>

namespace eventlens::testing {

// The tester checks every signal while the model loads, fetches more and resets. Fetching is
// left to the test: Qt 6.4's tester calls fetchMore() from its own modelReset slot before it
// records the reset as finished, and then reports the (correct) insertion as nested in the reset.
inline std::unique_ptr<QAbstractItemModelTester> attachTester(QAbstractItemModel &model)
{
    auto tester = std::make_unique<QAbstractItemModelTester>(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    tester->setUseFetchMore(false);
    return tester;
}

inline void fetchAll(QAbstractItemModel &model)
{
    int guard = 0;
    while (model.canFetchMore({}) && ++guard < 10000)
        model.fetchMore({});
}

} // namespace eventlens::testing
