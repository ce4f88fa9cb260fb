import TextNLPPipeline

/// A self-contained HTML page (inline CSS and SVG, no scripts, no network) drawn from `report.json`.
enum ReportHTML {
    static func render(_ report: JSONValue) -> String {
        let r = report.objectValue ?? JSONObject()
        var body = "<h1>\(escape(r["pipeline"]?.text ?? "")) <small>\(escape(r["batch_id"]?.text ?? ""))</small></h1>\n"
        body += "<p class=status>status: <b>\(escape(r["status"]?.text ?? ""))</b> · model: \(escape(r["model"]?.text ?? "none"))</p>\n"
        body += "<h2>Summary</h2>\n" + table(r["rows"]?.objectValue, r["tokens"]?.objectValue, r["timings"]?.objectValue)
        if let timeline = r["timeline"]?.arrayValue, !timeline.isEmpty {
            let points = timeline.compactMap { p -> (Double, Double)? in
                guard let o = p.objectValue, let t = o["t"]?.doubleValue, let rows = o["rows"]?.doubleValue else { return nil }
                return (t, rows)
            }
            body += "<h2>Throughput over time</h2>\n" + SVGChart.line([(0, 0)] + points, xLabel: "seconds", yLabel: "rows done")
        }
        if let lengths = r["completion_lengths"]?.objectValue, (lengths["counts"]?.arrayValue ?? []).contains(where: { $0 != .int(0) }) {
            body += "<h2>Output length (completion tokens)</h2>\n" + SVGChart.histogram(lengths)
        }
        if let metrics = r["metrics"]?.objectValue, !metrics.isEmpty {
            body += "<h2>Corpus metrics</h2>\n"
            for (stage, values) in metrics.pairs {
                body += "<h3>\(escape(stage))</h3>\n" + table(values.objectValue)
            }
        }
        if let distributions = r["distributions"]?.objectValue {
            for (stage, metrics) in distributions.pairs {
                for (metric, histogram) in metrics.objectValue?.pairs ?? [] {
                    guard let h = histogram.objectValue else { continue }
                    body += "<h3>\(escape(metric)) per row — \(escape(stage))</h3>\n" + SVGChart.histogram(h)
                }
            }
        }
        if let gates = r["gates"]?.arrayValue, !gates.isEmpty {
            body += "<h2>Gates</h2>\n<table><tr><th>stage</th><th>gate</th><th>scope</th><th>on fail</th><th>result</th><th>value / failing rows</th></tr>\n"
            for g in gates.compactMap(\.objectValue) {
                let passed = g["passed"] == .bool(true)
                let detail = g["value"].map { JSONWriter.number($0.doubleValue ?? 0) } ?? g["failures"]?.text ?? ""
                body += "<tr><td>\(escape(g["stage"]?.text ?? ""))</td><td>\(escape(g["gate"]?.text ?? ""))</td><td>\(escape(g["scope"]?.text ?? ""))</td>"
                body += "<td>\(escape(g["on_fail"]?.text ?? ""))</td><td class=\(passed ? "pass" : "fail")>\(passed ? "passed" : "failed")</td><td>\(escape(detail))</td></tr>\n"
            }
            body += "</table>\n"
        }
        if let errors = r["job_errors"]?.arrayValue, !errors.isEmpty {
            body += "<h2>Job errors</h2>\n<ul>\n"
            for e in errors.compactMap(\.objectValue) {
                let messages = (e["errors"]?.arrayValue ?? []).map { escape($0.text) }.joined(separator: "<br>")
                body += "<li><b>\(escape(e["job"]?.text ?? ""))</b> (\(escape(e["state"]?.text ?? ""))): \(messages)</li>\n"
            }
            body += "</ul>\n"
        }
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>\(escape(r["pipeline"]?.text ?? "report")) — textnlp report</title>
            <style>
            body{font:14px/1.45 system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}
            h1 small{color:#777;font-weight:normal;font-size:60%}
            table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}
            .pass{color:#176b2c}.fail{color:#b00020;font-weight:bold}svg{background:#fafafa;border:1px solid #eee}
            </style></head><body>
            \(body)</body></html>

            """
    }

    static func table(_ objects: JSONObject?...) -> String {
        var out = "<table>\n"
        for object in objects.compactMap({ $0 }) {
            for (k, v) in object.pairs {
                let text = v.doubleValue.map { d in d == d.rounded() ? JSONWriter.number(d) : String(format: "%.4g", d) } ?? v.text
                out += "<tr><th>\(escape(k))</th><td>\(escape(text))</td></tr>\n"
            }
        }
        return out + "</table>\n"
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }
}

import Foundation
