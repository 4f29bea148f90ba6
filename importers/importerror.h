#pragma once

#include "importrecord.h"

#include <stdexcept>

namespace eventlens {

class ImportError : public std::runtime_error
{
public:
    explicit ImportError(const ImportIssue &issue)
        : std::runtime_error(issue.toString().toStdString()), m_issue(issue) {}
    const ImportIssue &issue() const { return m_issue; }

private:
    ImportIssue m_issue;
};

} // namespace eventlens
