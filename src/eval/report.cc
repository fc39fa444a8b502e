// Renderings of a CompareReport: terminal text, Markdown, self-contained HTML with an SVG plot.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "eval/compare.h"

namespace liteopt::eval {

namespace {

std::string Format(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

std::string Bytes(int64_t n) {
  if (n < 0) return "?";
  if (n < 1024) return std::to_string(n) + " B";
  if (n < 1024 * 1024) return Format("%.1f KiB", n / 1024.0);
  return Format("%.2f MiB", n / (1024.0 * 1024.0));
}

std::string Percent(double f) { return Format("%.2f%%", f * 100.0); }
std::string Delta(double f) { return Format("%+.2f", f * 100.0); }
std::string Rate(double v) { return v >= 100 ? Format("%.0f", v) : Format("%.1f", v); }

// The columns of every rendering, as text cells.
struct Table {
  std::vector<std::string> header;
  std::vector<bool> right;  // right-aligned column
  std::vector<std::vector<std::string>> rows;
};

Table MakeTable(const CompareReport& report) {
  Table t;
  t.header = {"model",
              "kind",
              "size",
              "gzip",
              "top-1",
              "Δ top-1 (points)",
              "agreement",
              "p50 latency",
              "images/s (1 thread)",
              "images/s (batched)"};
  t.right = {false, false, true, true, true, true, true, true, true, true};
  for (size_t i = 0; i < report.rows.size(); ++i) {
    const CompareRow& row = report.rows[i];
    const EvalResult& r = row.result;
    const bool base = static_cast<int>(i) == report.baseline;
    t.rows.push_back({row.name + (base ? " (baseline)" : ""), std::string(ModelKindName(r.kind)), Bytes(r.size_bytes),
                      Bytes(r.gzip_bytes), Percent(r.top1), base ? "-" : Delta(row.top1_delta), Percent(row.agreement),
                      Format("%.3f ms", r.latency.p50_ms), Rate(r.images_per_second),
                      r.batched ? Rate(r.batched->images_per_second) : "-"});
  }
  return t;
}

// Display width of UTF-8 text (code points; every character here is one column wide).
size_t Width(const std::string& s) {
  size_t w = 0;
  for (unsigned char c : s) w += (c & 0xC0) != 0x80;
  return w;
}

std::string Pad(const std::string& s, size_t width, bool right) {
  const std::string fill(width > Width(s) ? width - Width(s) : 0, ' ');
  return right ? fill + s : s + fill;
}

std::string Notes(const CompareReport& report, bool markdown) {
  const EvalResult& base = report.rows[report.baseline].result;
  const std::string q = markdown ? "`" : "";
  std::string s = "Test set: " + q + report.data_csv + q + ", " + std::to_string(base.n) + " images. Baseline: " + q +
                  report.rows[report.baseline].name + q + " (" + report.baseline_reason +
                  "); agreement = share of images with the baseline's top-1 prediction.\n";
  s += "Latency and images/s (1 thread): batch 1 on one thread, input copy + invoke + argmax, as the course measures";
  if (base.latency_rounds > 0) {
    s += ", timed in " + std::to_string(base.latency_rounds) +
         " interleaved rounds (every model in turn in each round, so a change in the machine's speed affects all "
         "alike), " +
         std::to_string(base.latency_runs) + " runs for the baseline";
  } else {
    s += ", over each model's own accuracy pass";
  }
  s += "; images/s (batched): inference on every thread, the faster of one batched interpreter and one interpreter "
       "per thread.\n";
  return s;
}

std::string HtmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string MarkdownEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|' || c == '\\' || c == '*' || c == '`' || c == '<') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out;
}

const char* KindColor(ModelKind k) {
  switch (k) {
    case ModelKind::kFloat32:
      return "#1f77b4";
    case ModelKind::kFloat16:
      return "#17becf";
    case ModelKind::kDynamicRange:
      return "#ff7f0e";
    case ModelKind::kInt8:
      return "#2ca02c";
    case ModelKind::kUInt8:
      return "#9467bd";
    case ModelKind::kInt16x8:
      return "#d62728";
  }
  return "#7f7f7f";
}

// A step of 1, 2 or 5 x 10^k giving about `target` intervals over `span`.
double NiceStep(double span, int target) {
  if (span <= 0) return 1;
  const double raw = span / target;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0})
    if (m * p >= raw) return m * p;
  return 10 * p;
}

std::string Num(double v) { return Format("%.1f", v); }

// Top-1 (%) against file size (log scale), one marker per model: area by p50 latency, colour by kind.
std::string Plot(const CompareReport& report) {
  const double W = 880, H = 440, left = 70, right = 270, top = 20, bottom = 56;
  const double pw = W - left - right, ph = H - top - bottom;
  double smin = 1e300, smax = 0, amin = 100, amax = 0, lmax = 0;
  for (const CompareRow& row : report.rows) {
    const double kib = std::max<double>(row.result.size_bytes, 1) / 1024.0;
    smin = std::min(smin, kib);
    smax = std::max(smax, kib);
    amin = std::min(amin, row.result.top1 * 100);
    amax = std::max(amax, row.result.top1 * 100);
    lmax = std::max(lmax, row.result.latency.p50_ms);
  }
  // Log-scale x with a margin of a quarter decade (or a factor of 2 around a single size).
  double lx0 = std::log10(smin), lx1 = std::log10(smax);
  const double xmargin = std::max(0.15 * (lx1 - lx0), 0.1);
  lx0 -= xmargin;
  lx1 += xmargin;
  const double ypad = std::max(1.0, 0.15 * (amax - amin));
  double y0 = amin - ypad, y1 = amax + ypad;  // beyond [0, 100] only as room for the markers
  if (y1 - y0 < 1) y1 = y0 + 1;
  const auto X = [&](double kib) { return left + (std::log10(kib) - lx0) / (lx1 - lx0) * pw; };
  const auto Y = [&](double acc) { return top + (1 - (acc - y0) / (y1 - y0)) * ph; };

  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + Num(W) + " " + Num(H) + "\" width=\"" +
                  Num(W) + "\" height=\"" + Num(H) +
                  "\" role=\"img\" aria-label=\"top-1 accuracy against file size\" font-family=\"sans-serif\" "
                  "font-size=\"12\">\n";
  s += "<rect x=\"" + Num(left) + "\" y=\"" + Num(top) + "\" width=\"" + Num(pw) + "\" height=\"" + Num(ph) +
       "\" fill=\"none\" stroke=\"#888\"/>\n";
  // y grid and ticks.
  const double ystep = NiceStep(y1 - y0, 5);
  for (double v = std::max(0.0, std::ceil(y0 / ystep) * ystep); v <= std::min(y1, 100.0) + 1e-9; v += ystep) {
    s += "<line x1=\"" + Num(left) + "\" x2=\"" + Num(left + pw) + "\" y1=\"" + Num(Y(v)) + "\" y2=\"" + Num(Y(v)) +
         "\" stroke=\"#eee\"/><text x=\"" + Num(left - 6) + "\" y=\"" + Num(Y(v) + 4) + "\" text-anchor=\"end\">" +
         Format(ystep < 1 ? "%.1f" : "%.0f", v) + "</text>\n";
  }
  // x ticks at 1, 2, 5 x 10^k KiB below 1 MiB, and 1, 2, 5 x 10^k MiB from there.
  for (int e = -1; e <= 6; ++e) {
    for (double m : {1.0, 2.0, 5.0}) {
      const double v = m * std::pow(10.0, e);
      for (bool mib : {false, true}) {
        const double kib = mib ? v * 1024 : v;
        if ((!mib && kib >= 1000) || (mib && v < 1)) continue;
        const double lx = std::log10(kib);
        if (lx < lx0 || lx > lx1) continue;
        const std::string label = Format("%g", v) + (mib ? " MiB" : " KiB");
        s += "<line x1=\"" + Num(X(kib)) + "\" x2=\"" + Num(X(kib)) + "\" y1=\"" + Num(top) + "\" y2=\"" +
             Num(top + ph) + "\" stroke=\"#eee\"/><text x=\"" + Num(X(kib)) + "\" y=\"" + Num(top + ph + 16) +
             "\" text-anchor=\"middle\">" + label + "</text>\n";
      }
    }
  }
  s += "<text x=\"" + Num(left + pw / 2) + "\" y=\"" + Num(H - 12) +
       "\" text-anchor=\"middle\" font-size=\"13\">file size (log scale)</text>\n";
  s += "<text transform=\"translate(18," + Num(top + ph / 2) +
       ") rotate(-90)\" text-anchor=\"middle\" font-size=\"13\">top-1 accuracy (%)</text>\n";
  // Markers, largest first so small ones stay visible.
  std::vector<size_t> order(report.rows.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return report.rows[a].result.latency.p50_ms > report.rows[b].result.latency.p50_ms;
  });
  for (size_t i : order) {
    const CompareRow& row = report.rows[i];
    const EvalResult& r = row.result;
    const double kib = std::max<double>(r.size_bytes, 1) / 1024.0;
    const double radius = 4 + 12 * std::sqrt(lmax > 0 ? r.latency.p50_ms / lmax : 1.0);
    const double cx = X(kib), cy = Y(r.top1 * 100);
    s += "<g class=\"model\"><circle cx=\"" + Num(cx) + "\" cy=\"" + Num(cy) + "\" r=\"" + Num(radius) + "\" fill=\"" +
         KindColor(r.kind) + "\" fill-opacity=\"0.75\" stroke=\"#333\" stroke-width=\"0.6\"><title>" +
         HtmlEscape(row.name) + " (" + std::string(ModelKindName(r.kind)) + "): top-1 " + Percent(r.top1) + ", " +
         Bytes(r.size_bytes) + ", p50 " + Format("%.3f ms", r.latency.p50_ms) + "</title></circle><text x=\"" +
         Num(cx + radius + 3) + "\" y=\"" + Num(cy + 4) + "\">" + HtmlEscape(std::to_string(i + 1)) + "</text></g>\n";
  }
  // Legend: kinds present, then the numbered models.
  double ly = top + 6;
  std::vector<ModelKind> kinds;
  for (const CompareRow& row : report.rows)
    if (std::find(kinds.begin(), kinds.end(), row.result.kind) == kinds.end()) kinds.push_back(row.result.kind);
  for (ModelKind k : kinds) {
    s += "<circle cx=\"" + Num(left + pw + 20) + "\" cy=\"" + Num(ly + 5) + "\" r=\"6\" fill=\"" + KindColor(k) +
         "\"/><text x=\"" + Num(left + pw + 32) + "\" y=\"" + Num(ly + 9) + "\">" + std::string(ModelKindName(k)) +
         "</text>\n";
    ly += 20;
  }
  s += "<text x=\"" + Num(left + pw + 12) + "\" y=\"" + Num(ly + 12) +
       "\" fill=\"#555\">marker area: p50 latency</text>\n";
  ly += 32;
  for (size_t i = 0; i < report.rows.size() && ly < H - 10; ++i, ly += 16) {
    std::string name = report.rows[i].name;
    if (Width(name) > 34) name = name.substr(0, 32) + "…";
    s += "<text x=\"" + Num(left + pw + 12) + "\" y=\"" + Num(ly + 12) + "\" fill=\"#555\">" + std::to_string(i + 1) +
         " " + HtmlEscape(name) + "</text>\n";
  }
  s += "</svg>\n";
  return s;
}

}  // namespace

std::string RenderText(const CompareReport& report) {
  const Table t = MakeTable(report);
  std::vector<size_t> w(t.header.size());
  for (size_t c = 0; c < w.size(); ++c) {
    w[c] = Width(t.header[c]);
    for (const auto& row : t.rows) w[c] = std::max(w[c], Width(row[c]));
  }
  std::string s;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string l;
    for (size_t c = 0; c < cells.size(); ++c) l += (c ? "  " : "") + Pad(cells[c], w[c], t.right[c]);
    while (!l.empty() && l.back() == ' ') l.pop_back();
    s += l + "\n";
  };
  line(t.header);
  for (const auto& row : t.rows) line(row);
  s += "\n" + Notes(report, false);
  for (const std::string& h : report.hints) s += "hint: " + h + "\n";
  return s;
}

std::string RenderMarkdown(const CompareReport& report) {
  const Table t = MakeTable(report);
  std::string s = "# Model comparison\n\n|";
  for (const auto& h : t.header) s += " " + MarkdownEscape(h) + " |";
  s += "\n|";
  for (size_t c = 0; c < t.header.size(); ++c) s += t.right[c] ? "---:|" : "---|";
  s += "\n";
  for (const auto& row : t.rows) {
    s += "|";
    for (const auto& cell : row) s += " " + MarkdownEscape(cell) + " |";
    s += "\n";
  }
  s += "\n" + Notes(report, true);
  if (!report.hints.empty()) {
    s += "\n";
    for (const std::string& h : report.hints) s += "- **Hint:** " + h + "\n";
  }
  return s;
}

std::string RenderHtml(const CompareReport& report) {
  const Table t = MakeTable(report);
  std::string s =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>liteopt: model "
      "comparison</title>\n"
      "<style>\n"
      "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em;color:#222;max-width:1100px}\n"
      "table{border-collapse:collapse;margin:1em 0}th,td{padding:.35em .7em;border-bottom:1px solid #ddd}\n"
      "th{background:#f4f4f4;text-align:left}td.r,th.r{text-align:right;font-variant-numeric:tabular-nums}\n"
      "tr.baseline{font-weight:600}p.note{color:#555;font-size:.9em}p.hint{background:#fff4e5;padding:.5em .8em;"
      "border-left:4px solid #ff9800}\n"
      "svg{max-width:100%;height:auto}\n"
      "</style>\n</head>\n<body>\n<h1>Model comparison</h1>\n<table>\n<thead><tr><th>#</th>";
  for (size_t c = 0; c < t.header.size(); ++c)
    s += std::string("<th") + (t.right[c] ? " class=\"r\"" : "") + ">" + HtmlEscape(t.header[c]) + "</th>";
  s += "</tr></thead>\n<tbody>\n";
  for (size_t i = 0; i < t.rows.size(); ++i) {
    s += std::string("<tr") + (static_cast<int>(i) == report.baseline ? " class=\"baseline\"" : "") + "><td>" +
         std::to_string(i + 1) + "</td>";
    for (size_t c = 0; c < t.rows[i].size(); ++c)
      s += std::string("<td") + (t.right[c] ? " class=\"r\"" : "") + ">" + HtmlEscape(t.rows[i][c]) + "</td>";
    s += "</tr>\n";
  }
  s += "</tbody>\n</table>\n";
  std::string notes = Notes(report, false);
  for (size_t pos; (pos = notes.find('\n')) != std::string::npos;) {
    s += "<p class=\"note\">" + HtmlEscape(notes.substr(0, pos)) + "</p>\n";
    notes.erase(0, pos + 1);
  }
  for (const std::string& h : report.hints) s += "<p class=\"hint\">Hint: " + HtmlEscape(h) + "</p>\n";
  s += "<h2>Accuracy against size</h2>\n" + Plot(report);
  s += "</body>\n</html>\n";
  return s;
}

}  // namespace liteopt::eval
