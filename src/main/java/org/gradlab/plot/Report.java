package org.gradlab.plot;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import tech.tablesaw.api.Table;

/**
 * A self-contained HTML report: headings, paragraphs, tables and figures (embedded as PNG at twice
 * their size, shown at their size and never wider than the page), in the order added. Written to a
 * temporary file and renamed, so a crash never leaves half a report.
 *
 * <pre>{@code
 * Report.titled("The article's model").paragraph("...").table(history.epochs())
 *     .chart(Figure.of(Charts.epochLoss(history.epochs()))).write(Path.of("runs/report.html"));
 * }</pre>
 */
public final class Report {
    private final String title;
    private final List<String> body = new ArrayList<>();

    private Report(String title) {
        this.title = title;
    }

    public static Report titled(String title) {
        return new Report(title);
    }

    /**
     * The doctor's report: verdict, the fixes with their evidence (verified, suggested, failed),
     * the global norm with its alarms marked, the parameter x step heatmap, the layer gains (table
     * and chart), every alarm in step order and the parameters at the event; numbers to three
     * significant digits.
     */
    public static Report doctor(org.gradlab.diagnostics.Doctor.Diagnosis d) {
        Report r = titled("gradlab doctor").paragraph("Verdict: " + d.verdict());
        if (!d.fixes().isEmpty()) {
            r.heading("Fixes, best first").table(d.fixTable());
        }
        r.chart(Figure.of(Charts.gradNormWithAlarms(d.steps(), d.alarms())));
        if (d.layers().rowCount() > 0) {
            r.chart(Charts.layerHeatmap(d.layers(), 60));
        }
        if (d.gains() != null) {
            r.heading("Layer gains at initialisation").paragraph(d.gains().summary() + ".").table(d.gains().table())
                    .chart(Figure.of(Charts.layerGains(d.gains().table())));
        }
        r.heading("Alarms, in step order").table(d.alarms());
        if (d.layersAtEvent().rowCount() > 0) {
            r.heading("Parameters at step " + d.event().step()).table(d.layersAtEvent());
        }
        return r;
    }

    public Report heading(String text) {
        body.add("<h2>" + escape(text) + "</h2>");
        return this;
    }

    /** A section heading others can link to ({@code #id}). */
    public Report heading(String text, String id) {
        body.add("<h2 id=\"" + escape(id) + "\">" + escape(text) + "</h2>");
        return this;
    }

    /** A highlighted paragraph: what a reader must know before anything else. */
    public Report notice(String text) {
        body.add("<p class=\"notice\">" + escape(text) + "</p>");
        return this;
    }

    /** A list item: its text, and a link ({@code #part} or a file beside the report) or null. */
    public record Item(String text, String linkText, String href) {
        public static Item of(String text) {
            return new Item(text, null, null);
        }
    }

    /** A bulleted list; each item's link follows its text. */
    public Report items(List<Item> items) {
        body.add(list(items.stream().map(i -> Map.entry(i, List.<Item>of())).toList()));
        return this;
    }

    /** A bulleted list whose items each carry a bulleted list of their own (a question and its answers). */
    public Report outline(List<Map.Entry<Item, List<Item>>> items) {
        body.add(list(items));
        return this;
    }

    private static String list(List<Map.Entry<Item, List<Item>>> items) {
        StringBuilder sb = new StringBuilder("<ul>");
        for (Map.Entry<Item, List<Item>> e : items) {
            Item i = e.getKey();
            sb.append("<li>").append(escape(i.text()));
            if (i.href() != null) {
                sb.append(" <a href=\"").append(escape(i.href())).append("\">").append(escape(i.linkText())).append("</a>");
            }
            if (!e.getValue().isEmpty()) {
                sb.append(list(e.getValue().stream().map(c -> Map.entry(c, List.<Item>of())).toList()));
            }
            sb.append("</li>");
        }
        return sb.append("</ul>").toString();
    }

    public Report paragraph(String text) {
        body.add("<p>" + escape(text) + "</p>");
        return this;
    }

    /** The table as printed (its columns' print formats), with its name as caption. */
    public Report table(Table t) {
        body.add(tableHtml(t, false));
        return this;
    }

    /**
     * The table as an HTML {@code <table>} with its name as caption and its columns' print formats;
     * {@code inline} (a notebook's output, no page style to lean on) adds its own compact style,
     * and scrolls it sideways when it is wider than the page; long column names may break after
     * their underscores.
     */
    static String tableHtml(Table t, boolean inline) {
        String cell = inline ? " style=\"border:1px solid #ccc;padding:.15em .4em;text-align:right\"" : "";
        StringBuilder sb = new StringBuilder(inline ? "<div style=\"overflow-x:auto\"><table style=\"border-collapse:"
                + "collapse;font-size:85%\">" : "<table>");
        sb.append("<caption").append(inline ? " style=\"font-weight:bold;text-align:left\"" : "").append(">")
                .append(escape(t.name())).append("</caption><tr>");
        t.columnNames().forEach(c -> sb.append("<th").append(cell).append(">")
                .append(escape(c).replace("_", "_<wbr>")).append("</th>"));
        sb.append("</tr>");
        for (int r = 0; r < t.rowCount(); r++) {
            sb.append("<tr>");
            for (int c = 0; c < t.columnCount(); c++) {
                boolean text = t.column(c).type() == tech.tablesaw.api.ColumnType.STRING;   // names left, numbers right
                sb.append("<td").append(inline ? cell.replace("text-align:right", "text-align:" + (text ? "left" : "right"))
                        : text ? " class=\"l\"" : "").append(">").append(escape(t.getString(r, c))).append("</td>");
            }
            sb.append("</tr>");
        }
        return sb.append(inline ? "</table></div>" : "</table>").toString();
    }

    /**
     * The figure as an embedded PNG at {@link Figure#PNG_SCALE}, displayed {@code width()} CSS
     * pixels wide and scaled down (keeping its proportions) where the page is narrower.
     */
    public Report chart(Figure figure) {
        try {
            return chart(figure, Outputs.pngBytes(figure));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** {@link #chart(Figure)} with the figure's PNG already drawn ({@link Outputs#pngBytes}). */
    public Report chart(Figure figure, byte[] png) {
        body.add("<figure><img alt=\"" + escape(figure.title()) + "\" width=\"" + figure.width() + "\" height=\""
                + figure.height() + "\" src=\"data:image/png;base64," + Base64.getEncoder().encodeToString(png) + "\"></figure>");
        return this;
    }

    public String html() {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape(title) + "</title>\n"
                + "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}"
                + "table{border-collapse:collapse;margin:1em 0;max-width:100%}td,th{border:1px solid #ccc;padding:.25em .6em;"

                + "text-align:right}td.l{text-align:left}caption{font-weight:bold;text-align:left}figure{margin:1em 0}"
                + "img{display:block;max-width:100%;height:auto}"
                + ".notice{background:#fff4d6;border-left:4px solid #e69f00;padding:.5em .8em}</style></head>\n"
                + "<body><h1>" + escape(title) + "</h1>\n" + String.join("\n", body) + "\n</body></html>\n";
    }

    /** Writes the report atomically (temporary file, then rename). */
    public Path write(Path file) throws IOException {
        return Outputs.text(html(), file);
    }

    /** {@code s} with HTML's special characters escaped. */
    public static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
