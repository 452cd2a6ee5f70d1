// The per-night curves of the loop benchmark as an HTML page holding one hand-written SVG:
// four small panels over nights (0 = sft-v1) — held-out rule satisfaction with its 95%
// interval, win rate against sft-v1 with its interval, SFT held-out loss, and KL to sft-v1.
// Promotions are marked with a filled point.
import Foundation

struct LoopPlot {
    let figures: LoopFigures

    struct Point {
        var x: Int
        var y: Double
        var interval: [Double]
        var filled: Bool
    }

    struct Panel {
        var title: String
        var points: [Point]
        var range: (Double, Double)
        var reference: Double?
    }

    var panels: [Panel] {
        let s = figures.sft
        let n = figures.nights
        let losses = [s.validation_loss] + n.map(\.validation_loss)
        let kls = [0] + n.map(\.kl)
        return [
            Panel(title: "Held-out rule satisfaction (95% Wilson)",
                  points: [Point(x: 0, y: s.rule_rate, interval: s.rule_rate_ci, filled: true)]
                      + n.map { Point(x: $0.night, y: $0.rule_rate, interval: $0.rule_rate_ci, filled: $0.promoted) },
                  range: (0, 1), reference: s.rule_rate),
            Panel(title: "Win rate vs sft-v1, blind pairs (95%)",
                  points: [Point(x: 0, y: 0.5, interval: [], filled: true)]
                      + n.map { Point(x: $0.night, y: $0.win_rate_vs_sft, interval: $0.win_rate_vs_sft_ci, filled: $0.promoted) },
                  range: (0, 1), reference: 0.5),
            Panel(title: "SFT held-out loss (nats/token; line: +5%)",
                  points: losses.enumerated().map { Point(x: $0.offset, y: $0.element, interval: [], filled: true) },
                  range: (min(losses.min()!, s.validation_loss) * 0.97, max(losses.max()!, s.validation_loss * 1.05) * 1.01),
                  reference: s.validation_loss * 1.05),
            Panel(title: "KL to sft-v1 (nats per answer)",
                  points: kls.enumerated().map { Point(x: $0.offset, y: $0.element, interval: [], filled: true) },
                  range: (min(0, kls.min()!), max(1, kls.max()! * 1.1)), reference: 0),
        ]
    }

    func svg() -> String {
        let (w, h, pad) = (340.0, 220.0, 40.0)
        let nights = max(1, figures.nights.count)
        var out = ##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(Int(2 * w))" height="\##(Int(2 * h))" font-family="sans-serif" font-size="11">"##
        for (k, panel) in panels.enumerated() {
            let (ox, oy) = (Double(k % 2) * w, Double(k / 2) * h)
            let (x0, x1, y0, y1) = (ox + pad, ox + w - 15, oy + h - 30, oy + 25)
            func px(_ x: Int) -> Double { x0 + (x1 - x0) * Double(x) / Double(nights) }
            func py(_ y: Double) -> Double {
                let (lo, hi) = panel.range
                return y0 - (y0 - y1) * (min(max(y, lo), hi) - lo) / max(hi - lo, 1e-9)
            }
            out += ##"<text x="\##(ox + pad)" y="\##(oy + 15)" font-weight="bold">\##(panel.title)</text>"##
            out += ##"<rect x="\##(x0)" y="\##(y1)" width="\##(x1 - x0)" height="\##(y0 - y1)" fill="none" stroke="#999"/>"##
            for t in 0...2 {
                let v = panel.range.0 + (panel.range.1 - panel.range.0) * Double(t) / 2
                out += ##"<text x="\##(x0 - 4)" y="\##(py(v) + 4)" text-anchor="end">\##(String(format: "%.2f", v))</text>"##
            }
            for x in 0...nights {
                out += ##"<text x="\##(px(x))" y="\##(y0 + 14)" text-anchor="middle">\##(x == 0 ? "sft-v1" : "night \(x)")</text>"##
            }
            if let r = panel.reference {
                out += ##"<line x1="\##(x0)" x2="\##(x1)" y1="\##(py(r))" y2="\##(py(r))" stroke="#c66" stroke-dasharray="4 3"/>"##
            }
            let path = panel.points.map { "\(px($0.x)),\(py($0.y))" }.joined(separator: " ")
            out += ##"<polyline points="\##(path)" fill="none" stroke="#2a6fb0" stroke-width="2"/>"##
            for p in panel.points {
                if p.interval.count == 2 {
                    out += ##"<line x1="\##(px(p.x))" x2="\##(px(p.x))" y1="\##(py(p.interval[0]))" y2="\##(py(p.interval[1]))" stroke="#2a6fb0"/>"##
                }
                out += ##"<circle cx="\##(px(p.x))" cy="\##(py(p.y))" r="4" fill="\##(p.filled ? "#2a6fb0" : "white")" stroke="#2a6fb0"/>"##
                out += ##"<text x="\##(px(p.x) + 6)" y="\##(py(p.y) - 6)">\##(String(format: "%.3f", p.y))</text>"##
            }
        }
        return out + "</svg>"
    }

    func html() -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>Rounds loop benchmark</title></head>
        <body style="font-family: sans-serif">
        <h1>Rounds loop benchmark: \(figures.nights.count) nights</h1>
        <p>Production policy after each night, measured on held-out prompts only. Filled points: sft-v1 and nights
        that promoted a policy; open points: production unchanged. Dashed lines: sft-v1's rule satisfaction, a win
        rate of ½, +5% held-out loss, KL 0.</p>
        \(svg())
        <p>Settings: \(figures.settings.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")).</p>
        </body></html>
        """
    }
}
