#include "timeutil.h"

#include <QDateTime>

#include <array>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace eventlens::timeutil {

namespace {

// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's civil algorithms).
qint64 daysFromCivil(qint64 y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const qint64 era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<qint64>(doe) - 719468;
}

void civilFromDays(qint64 z, qint64 &y, unsigned &m, unsigned &d)
{
    z += 719468;
    const qint64 era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = static_cast<qint64>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
}

unsigned daysInMonth(qint64 y, unsigned m)
{
    static constexpr std::array<unsigned, 12> days{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return days[m - 1];
}

template<typename Ch>
std::optional<qint64> parseIsoChars(const Ch *s, qsizetype n)
{
    qsizetype i = 0;
    auto digits = [&](int count, int &out) {
        out = 0;
        for (int k = 0; k < count; ++k) {
            if (i >= n || s[i] < '0' || s[i] > '9')
                return false;
            out = out * 10 + (s[i] - '0');
            ++i;
        }
        return true;
    };
    auto expect = [&](char c) {
        if (i < n && s[i] == c) {
            ++i;
            return true;
        }
        return false;
    };
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        ++i;
    while (n > i && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        --n;
    int year, month, day, hour = 0, minute = 0, second = 0;
    if (!digits(4, year) || !expect('-') || !digits(2, month) || !expect('-') || !digits(2, day))
        return std::nullopt;
    if (month < 1 || month > 12 || day < 1 || static_cast<unsigned>(day) > daysInMonth(year, static_cast<unsigned>(month)))
        return std::nullopt;
    qint64 ms = 0;
    qint64 offsetMinutes = 0;
    if (i < n) {
        if (!(expect('T') || expect('t') || expect(' ')))
            return std::nullopt;
        if (!digits(2, hour) || !expect(':') || !digits(2, minute))
            return std::nullopt;
        if (expect(':') && !digits(2, second))
            return std::nullopt;
        if (hour > 23 || minute > 59 || second > 60)
            return std::nullopt;
        if (i < n && (s[i] == '.' || s[i] == ',')) {
            ++i;
            int count = 0;
            qint64 frac = 0;
            while (i < n && s[i] >= '0' && s[i] <= '9') {
                if (count < 3) {
                    frac = frac * 10 + (s[i] - '0');
                }
                ++count;
                ++i;
            }
            if (count == 0)
                return std::nullopt;
            for (int k = count; k < 3; ++k)
                frac *= 10;
            ms = frac;
        }
        if (i < n) {
            if (expect('Z') || expect('z')) {
            } else if (s[i] == '+' || s[i] == '-') {
                const int sign = s[i] == '-' ? -1 : 1;
                ++i;
                int oh, om = 0;
                if (!digits(2, oh))
                    return std::nullopt;
                expect(':');
                if (i < n && !digits(2, om))
                    return std::nullopt;
                if (oh > 23 || om > 59)
                    return std::nullopt;
                offsetMinutes = sign * (oh * 60 + om);
            } else {
                return std::nullopt;
            }
        }
        if (i != n)
            return std::nullopt;
    }
    const qint64 days = daysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    const qint64 secs = days * 86400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60;
    const qint64 result = secs * 1000 + ms;
    if (!inRange(result))
        return std::nullopt;
    return result;
}

} // namespace

QByteArray formatIso(qint64 ms)
{
    qint64 days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
    qint64 rem = ms - days * 86400000;
    qint64 y;
    unsigned m, d;
    civilFromDays(days, y, m, d);
    const int hh = static_cast<int>(rem / 3600000);
    rem %= 3600000;
    const int mm = static_cast<int>(rem / 60000);
    rem %= 60000;
    const int ss = static_cast<int>(rem / 1000);
    const int mss = static_cast<int>(rem % 1000);
    char buf[32];
    if (y < 0 || y > 9999) {
        const int len = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ",
                                      static_cast<long long>(y), m, d, hh, mm, ss, mss);
        return QByteArray(buf, len);
    }
    auto put = [](char *p, int v, int width) {
        for (int k = width - 1; k >= 0; --k) {
            p[k] = static_cast<char>('0' + v % 10);
            v /= 10;
        }
    };
    put(buf, static_cast<int>(y), 4);
    buf[4] = '-';
    put(buf + 5, static_cast<int>(m), 2);
    buf[7] = '-';
    put(buf + 8, static_cast<int>(d), 2);
    buf[10] = 'T';
    put(buf + 11, hh, 2);
    buf[13] = ':';
    put(buf + 14, mm, 2);
    buf[16] = ':';
    put(buf + 17, ss, 2);
    buf[19] = '.';
    put(buf + 20, mss, 3);
    buf[23] = 'Z';
    return QByteArray(buf, 24);
}

QString formatIsoString(qint64 ms)
{
    return QString::fromLatin1(formatIso(ms));
}

std::optional<qint64> parseIso(QStringView text)
{
    return parseIsoChars(text.utf16(), text.size());
}

std::optional<qint64> parseIso(const QByteArray &text)
{
    return parseIsoChars(text.constData(), text.size());
}

std::optional<qint64> fromUnixNumber(double value)
{
    if (!std::isfinite(value) || std::fabs(value) > 9.0e15)
        return std::nullopt;
    const qint64 ms = std::fabs(value) < 1e11 ? static_cast<qint64>(std::llround(value * 1000.0)) : static_cast<qint64>(std::llround(value));
    if (!inRange(ms))
        return std::nullopt;
    return ms;
}

std::optional<qint64> parseTimeValue(QStringView text)
{
    const QStringView t = text.trimmed();
    if (t.isEmpty())
        return std::nullopt;
    bool ok = false;
    const double number = t.toDouble(&ok);
    if (ok)
        return fromUnixNumber(number);
    return parseIso(t);
}

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

double processCpuSeconds()
{
    timespec ts {};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

} // namespace eventlens::timeutil
