#pragma once

#include <QString>
#include <QWidget>

#include <nlohmann/json.hpp>

class QComboBox;
class QLabel;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QStackedWidget;
class QTabWidget;

namespace eventlens {

class JsonTreeView;
class ScriptEditor;
struct ProjectionComparison;

// The projection diff: either the states at two positions of one run (A and B), or the current
// script against another version of it (typed or pasted into a second editor, or loaded from a
// file) over the same events. The differences are shown per partition: a list of the partitions
// that differ, their RFC 6902 patches as text (all of them, or the selected partition's), and
// the selected partition's states side by side (A plain, B with the changes from A marked). A
// comparison of scripts also names the first position where they diverge (a link: activating
// it asks for that position).
//
// The view computes nothing itself: Compare asks for the diff (positionsDiffRequested,
// scriptsDiffRequested) and the owner shows the answer with showPositionDiff()/showComparison().
class ProjectionDiffView final : public QWidget
{
    Q_OBJECT

public:
    using Json = nlohmann::ordered_json;
    enum class Mode { Positions, Scripts };

    explicit ProjectionDiffView(QWidget *parent = nullptr);
    ~ProjectionDiffView() override;

    Mode mode() const;
    void setMode(Mode mode);
    void setPositionRange(qint64 first, qint64 last);
    void setPositions(qint64 a, qint64 b);
    qint64 positionA() const;
    qint64 positionB() const;

    void showPositionDiff(qint64 a, qint64 b, const Json &statesA, const Json &statesB, const Json &patches);
    void showComparison(const ProjectionComparison &comparison);
    void showMessage(const QString &message, bool error);
    void clear();

    // The partitions that differ, as listed ("" is the unpartitioned state).
    QStringList differingPartitions() const;
    // Shows one partition's patch and states (an empty name: the unpartitioned one).
    void selectPartition(const QString &partition);
    QString selectedPartition() const;
    // The patch text shown (every partition's when none is selected).
    QString patchText() const;
    qint64 firstDivergentPosition() const { return m_firstDivergent; }

    QComboBox *modeBox() const { return m_mode; }
    QSpinBox *positionASpin() const { return m_a; }
    QSpinBox *positionBSpin() const { return m_b; }
    ScriptEditor *otherEditor() const { return m_other; }
    QPushButton *compareButton() const { return m_compare; }
    QPushButton *loadButton() const { return m_load; }
    QLabel *summaryLabel() const { return m_summary; }
    QListWidget *partitionList() const { return m_partitions; }
    QPlainTextEdit *patchView() const { return m_patch; }
    JsonTreeView *treeA() const { return m_treeA; }
    JsonTreeView *treeB() const { return m_treeB; }

public Q_SLOTS:
    // Asks for the diff the controls describe.
    void compare();
    // Opens a file dialog (window-modal, no nested loop) to load the other version.
    void loadOtherScript();

Q_SIGNALS:
    void positionsDiffRequested(qint64 a, qint64 b);
    void scriptsDiffRequested(const QString &otherScript);
    void positionActivated(qint64 position);

private:
    static QString partitionLabel(const QString &partition);
    void setResult(const Json &statesA, const Json &statesB, const Json &patches, const QString &extraPatchText);
    void updateSelection();

    QComboBox *m_mode = nullptr;
    QStackedWidget *m_inputs = nullptr;
    QSpinBox *m_a = nullptr;
    QSpinBox *m_b = nullptr;
    ScriptEditor *m_other = nullptr;
    QPushButton *m_load = nullptr;
    QPushButton *m_compare = nullptr;
    QLabel *m_summary = nullptr;
    QListWidget *m_partitions = nullptr;
    QTabWidget *m_tabs = nullptr;
    QPlainTextEdit *m_patch = nullptr;
    JsonTreeView *m_treeA = nullptr;
    JsonTreeView *m_treeB = nullptr;
    QLabel *m_labelA = nullptr;
    QLabel *m_labelB = nullptr;

    Json m_statesA = Json::object();
    Json m_statesB = Json::object();
    Json m_patches = Json::object();
    QString m_extraPatchText; // shared state and result patches of a comparison
    QString m_nameA;
    QString m_nameB;
    qint64 m_firstDivergent = 0;
};

} // namespace eventlens
