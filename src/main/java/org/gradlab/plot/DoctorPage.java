package org.gradlab.plot;

import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.gradlab.diagnostics.Doctor;
import tech.tablesaw.api.Table;

/**
 * The doctor's diagnosis for people: Markdown ({@code doctor.md}), a standalone HTML page without
 * charts, an HTML fragment to show inline in a notebook ({@link Show#html}), and the verdict with
 * the fixes table alone ({@link #summary}). {@link Report#doctor} adds the charts.
 *
 * <pre>{@code
 * System.out.println(DoctorPage.markdown(diagnosis));
 * Show.html(DoctorPage.summary(diagnosis), diagnosis.verdict() + "\n" + diagnosis.ranking());
 * }</pre>
 */
public final class DoctorPage {
    private DoctorPage() {
    }

    /** The diagnosis as Markdown: verdict, fixes table, layer gains, curvature (Jacobian spectrum at init), alarms, the parameters at the event. */
    public static String markdown(Doctor.Diagnosis d) {
        StringBuilder sb = new StringBuilder("# gradlab doctor\n\n**Verdict:** ").append(d.verdict()).append("\n\n");
        if (!d.fixes().isEmpty()) {
            sb.append("## Fixes, best first\n\n").append(markdownTable(d.fixTable())).append('\n');
        }
        if (d.gains() != null) {
            sb.append("## Layer gains at initialisation\n\n").append(d.gains().summary()).append(".\n\n")
                    .append(markdownTable(d.gains().table()));
        }
        if (d.curvature().atInit() != null || d.curvature().beforeEvent() != null) {
            sb.append("\n## Curvature\n\n").append(d.curvature().words(d.cause())).append("\n\n");
            if (d.curvature().atInit() != null) {
                sb.append(markdownTable(jacobian(d)));
            }
        }
        sb.append("\n## Alarms, in step order\n\n").append(markdownTable(d.alarms()));
        if (d.layersAtEvent().rowCount() > 0) {
            sb.append("\n## Parameters at step ").append(d.event().step()).append("\n\n").append(markdownTable(d.layersAtEvent()));
        }
        return sb.toString();
    }

    /** The same content as {@link #markdown} as a standalone page without charts. */
    public static String page(Doctor.Diagnosis d) {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<title>gradlab doctor</title><style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
                + "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em}</style></head><body>\n"
                + fragment(d) + "</body></html>\n";
    }

    /** The body of {@link #page}: no page or style, for showing inline. */
    public static String fragment(Doctor.Diagnosis d) {
        StringBuilder sb = new StringBuilder("<h1>gradlab doctor</h1>\n").append(summary(d));
        if (d.gains() != null) {
            sb.append("<h2>Layer gains at initialisation</h2>\n<p>").append(Report.escape(d.gains().summary())).append(".</p>\n")
                    .append(htmlTable(d.gains().table()));
        }
        if (d.curvature().atInit() != null || d.curvature().beforeEvent() != null) {
            sb.append("<h2>Curvature</h2>\n<p>").append(Report.escape(d.curvature().words(d.cause()))).append("</p>\n");
            if (d.curvature().atInit() != null) {
                sb.append(htmlTable(jacobian(d)));
            }
        }
        sb.append("<h2>Alarms, in step order</h2>\n").append(htmlTable(d.alarms()));
        if (d.layersAtEvent().rowCount() > 0) {
            sb.append("<h2>Parameters at step ").append(d.event().step()).append("</h2>\n").append(htmlTable(d.layersAtEvent()));
        }
        return sb.toString();
    }

    /** The verdict and the fixes table as an HTML fragment. */
    public static String summary(Doctor.Diagnosis d) {
        StringBuilder sb = new StringBuilder("<p><b>Verdict:</b> ").append(Report.escape(d.verdict())).append("</p>\n");
        if (!d.fixes().isEmpty()) {
            sb.append("<h2>Fixes, best first</h2>\n").append(htmlTable(d.fixTable()));
        }
        return sb.toString();
    }

    /** The Jacobian spectrum at init, three significant digits. */
    private static Table jacobian(Doctor.Diagnosis d) {
        return org.gradlab.diagnostics.Tables.readable(d.curvature().atInit().table().copy());
    }

    private static String markdownTable(Table t) {
        return "| " + String.join(" | ", t.columnNames()) + " |\n|" + "---|".repeat(t.columnCount()) + "\n"
                + rows(t, cells -> "| " + cells.stream().map(c -> c.replace("|", "\\|")).collect(Collectors.joining(" | ")) + " |\n");
    }

    private static String htmlTable(Table t) {
        return "<table><tr>" + t.columnNames().stream().map(c -> "<th>" + Report.escape(c) + "</th>").collect(Collectors.joining())
                + "</tr>\n" + rows(t, cells -> "<tr>" + cells.stream().map(c -> "<td>" + Report.escape(c) + "</td>")
                        .collect(Collectors.joining()) + "</tr>\n") + "</table>\n";
    }

    private static String rows(Table t, Function<List<String>, String> row) {
        return IntStream.range(0, t.rowCount()).mapToObj(r -> row.apply(IntStream.range(0, t.columnCount())
                .mapToObj(c -> t.getString(r, c)).toList())).collect(Collectors.joining());
    }
}
