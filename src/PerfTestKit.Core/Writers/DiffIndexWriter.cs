using System.Globalization;
using System.Net;
using System.Text;
using PerfTestKit.Diff;

namespace PerfTestKit.Writers;

/// <summary>
/// The diff folder's index.html: every test in both runs with both counts and its change, significant ones first and
/// linked to their differential flame graphs; sortable by any column, self-contained. Names are HTML-encoded.
/// </summary>
public static class DiffIndexWriter
{
    public static void Write(RunDiff diff, IReadOnlyDictionary<string, string> pages, Stream output)
    {
        var html = new StringBuilder();
        static string E(string text) => WebUtility.HtmlEncode(text);
        string title = $"PerfTestKit diff: {Path.GetFileName(diff.Base.Directory.TrimEnd('/'))} \u2192 {Path.GetFileName(diff.Head.Directory.TrimEnd('/'))}";
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E(title)).Append("</title>\n<style>")
            .Append("body{font:14px system-ui,sans-serif;margin:16px;color:#1d232a}table{border-collapse:collapse}th,td{border-bottom:1px solid #e5e8eb;padding:3px 8px;text-align:left}")
            .Append("th{cursor:pointer;user-select:none}td.num{text-align:right;font-variant-numeric:tabular-nums}td.name{font-family:ui-monospace,Menlo,monospace;word-break:break-all}")
            .Append("tr.slower td.change{color:#b00020;font-weight:bold}tr.faster td.change{color:#1565c0;font-weight:bold}p.note{color:#5f6b77}</style></head><body>\n")
            .Append("<h1>").Append(E(title)).Append("</h1>\n<p class=\"note\">")
            .Append(E(RunDiffWriter.Lines(diff).Last())).Append("</p>\n")
            .Append("<table id=\"tests\"><thead><tr><th data-type=\"text\">Test</th><th data-type=\"num\">Base (ms)</th><th data-type=\"num\">Head (ms)</th>")
            .Append("<th data-type=\"num\">Change</th><th data-type=\"num\">z</th><th data-type=\"text\">Frame that changed most</th></tr></thead><tbody>\n");
        foreach (var test in diff.Tests.OrderByDescending(t => t.Significant).ThenByDescending(t => Math.Abs(t.ChangePercent ?? 1e9)))
        {
            string cls = !test.Significant ? "" : test.Regression ? "slower" : "faster";
            string name = pages.TryGetValue(test.Key, out var page) ? $"<a href=\"{E(page)}\">{E(test.Key)}</a>" : E(test.Key);
            string change = test.ChangePercent is { } c ? c.ToString("+0;-0;0", CultureInfo.InvariantCulture) + "%" : "new";
            html.Append(CultureInfo.InvariantCulture, $"<tr class=\"{cls}\"><td class=\"name\">{name}</td><td class=\"num\">{test.BaseMs:F0}</td><td class=\"num\">{test.HeadMs:F0}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td class=\"num change\" data-value=\"{(test.ChangePercent ?? 1e9).ToString("R", CultureInfo.InvariantCulture)}\">{change}</td><td class=\"num\">{test.Z:F1}</td>")
                .Append("<td class=\"name\">").Append(test.TopFrames.Count > 0 ? E(test.TopFrames[0].Name) : "").Append("</td></tr>\n");
        }
        html.Append("</tbody></table>\n<script>\n'use strict';\n")
            .Append("document.querySelectorAll('#tests th').forEach((th, col) => th.addEventListener('click', () => {\n")
            .Append("  const body = document.querySelector('#tests tbody'), num = th.dataset.type === 'num';\n")
            .Append("  const down = th.dataset.sorted !== 'down'; th.parentNode.querySelectorAll('th').forEach(h => delete h.dataset.sorted); th.dataset.sorted = down ? 'down' : 'up';\n")
            .Append("  const key = r => { const c = r.cells[col]; return num ? +(c.dataset.value ?? c.textContent) : c.textContent; };\n")
            .Append("  const rows = [...body.rows].sort((a, b) => { const x = key(a), y = key(b); const o = num ? x - y : x.localeCompare(y); return down ? -o : o; });\n")
            .Append("  body.replaceChildren(...rows);\n}));\n</script>\n</body></html>\n");
        var bytes = Encoding.UTF8.GetBytes(html.ToString());
        output.Write(bytes);
    }
}
