import Foundation
import TextNLPPipeline

/// Small inline SVG charts for the HTML report.
enum SVGChart {
    static let width = 720.0, height = 240.0, left = 56.0, bottom = 30.0, top = 10.0, right = 12.0

    static func line(_ points: [(Double, Double)], xLabel: String, yLabel: String) -> String {
        let maxX = max(points.map(\.0).max() ?? 1, 1e-9), maxY = max(points.map(\.1).max() ?? 1, 1e-9)
        let plotW = width - left - right, plotH = height - top - bottom
        let path = points.map { p in
            String(format: "%.1f,%.1f", left + p.0 / maxX * plotW, top + plotH - p.1 / maxY * plotH)
        }.joined(separator: " ")
        return frame(xMax: maxX, yMax: maxY, xLabel: xLabel, yLabel: yLabel)
            + "<polyline fill=\"none\" stroke=\"#2b6cb0\" stroke-width=\"2\" points=\"\(path)\"/></svg>\n"
    }

    static func histogram(_ h: JSONObject) -> String {
        let counts = (h["counts"]?.arrayValue ?? []).compactMap(\.doubleValue)
        let lo = h["min"]?.doubleValue ?? 0, hi = h["max"]?.doubleValue ?? 1
        guard !counts.isEmpty else { return "" }
        let maxY = max(counts.max() ?? 1, 1)
        let plotW = width - left - right, plotH = height - top - bottom
        let barW = plotW / Double(counts.count)
        var bars = ""
        for (i, c) in counts.enumerated() where c > 0 {
            let barH = c / maxY * plotH
            bars += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#4a90d9\"><title>%@</title></rect>",
                           left + Double(i) * barW + 1, top + plotH - barH, max(barW - 2, 1), barH,
                           "\(Int(c)) rows" as NSString)
        }
        return frame(xMin: lo, xMax: hi, yMax: maxY, xLabel: "value", yLabel: "rows") + bars + "</svg>\n"
    }

    private static func frame(xMin: Double = 0, xMax: Double, yMax: Double, xLabel: String, yLabel: String) -> String {
        let plotH = height - top - bottom
        func n(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e9 ? String(Int(v)) : String(format: "%.3g", v) }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))">\
            <line x1="\(left)" y1="\(top + plotH)" x2="\(width - right)" y2="\(top + plotH)" stroke="#999"/>\
            <line x1="\(left)" y1="\(top)" x2="\(left)" y2="\(top + plotH)" stroke="#999"/>\
            <text x="\(left)" y="\(height - 8)" font-size="11">\(n(xMin))</text>\
            <text x="\(width - right)" y="\(height - 8)" font-size="11" text-anchor="end">\(n(xMax)) \(xLabel)</text>\
            <text x="\(left - 4)" y="\(top + 10)" font-size="11" text-anchor="end">\(n(yMax))</text>\
            <text x="\(left - 4)" y="\(top + plotH)" font-size="11" text-anchor="end">0</text>\
            <text x="12" y="\(top + plotH / 2)" font-size="11" transform="rotate(-90 12 \(top + plotH / 2))" text-anchor="middle">\(yLabel)</text>
            """
    }
}
