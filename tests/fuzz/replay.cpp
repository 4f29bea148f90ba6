// The main() of a fuzz target built as a test: every file under the given folders (default: the
// test data and the kept regressions) goes through the target's checks once. Built with
// libFuzzer instead (-DEVENTLENS_FUZZ=ON), the target gets libFuzzer's main().

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QStringList>

#include <cstddef>
#include <cstdint>
#include <cstdio>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char *argv[])
{
    QStringList roots;
    for (int i = 1; i < argc; ++i)
        roots.append(QString::fromLocal8Bit(argv[i]));
    if (roots.isEmpty())
        roots = {QStringLiteral(EVENTLENS_TEST_DATA), QStringLiteral(EVENTLENS_FUZZ_REGRESSIONS)};
    int files = 0;
    for (const QString &root : roots) {
        QDirIterator it(root, QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            QFile file(it.next());
            if (!file.open(QIODevice::ReadOnly)) {
                std::fprintf(stderr, "cannot read %s\n", qPrintable(file.fileName()));
                return 1;
            }
            const QByteArray bytes = file.readAll();
            LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t *>(bytes.constData()), size_t(bytes.size()));
            ++files;
        }
    }
    std::printf("%d inputs replayed\n", files);
    return files > 0 ? 0 : 1;
}
