package org.gradlab.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.BasicStroke;
import java.awt.Color;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.colors.XChartSeriesColors;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.Table;

class PaletteTest {
    /** Machado, Oliveira and Fernandes (2009) at full severity, on linear RGB: protanopia, deuteranopia, tritanopia. */
    private static final double[][][] VISION = {
            {{0.152286, 1.052583, -0.204868}, {0.114503, 0.786281, 0.099216}, {-0.003882, -0.048116, 1.051998}},
            {{0.367322, 0.860646, -0.227968}, {0.280085, 0.672501, 0.047413}, {-0.011820, 0.042940, 0.968881}},
            {{1.255528, -0.076749, -0.178779}, {-0.078411, 0.930809, 0.147602}, {0.004733, 0.691367, 0.303900}}};

    private static double linear(double c) {
        return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    }

    /** CIELAB (D65) of linear RGB. */
    private static double[] lab(double[] rgb) {
        double x = (0.4124 * rgb[0] + 0.3576 * rgb[1] + 0.1805 * rgb[2]) / 0.95047;
        double y = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
        double z = (0.0193 * rgb[0] + 0.1192 * rgb[1] + 0.9505 * rgb[2]) / 1.08883;
        double fx = f(x);
        double fy = f(y);
        double fz = f(z);
        return new double[] {116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)};
    }

    private static double f(double t) {
        return t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16.0 / 116;
    }

    /** The colour as seen with {@code vision} (null: normal), in CIELAB. */
    private static double[] seen(Color c, double[][] vision) {
        double[] l = {linear(c.getRed() / 255.0), linear(c.getGreen() / 255.0), linear(c.getBlue() / 255.0)};
        if (vision != null) {
            double[] m = new double[3];
            for (int i = 0; i < 3; i++) {
                m[i] = Math.max(0, Math.min(1, vision[i][0] * l[0] + vision[i][1] * l[1] + vision[i][2] * l[2]));
            }
            l = m;
        }
        return lab(l);
    }

    /** The smallest CIE76 colour difference between two of {@code colors} as seen with {@code vision}. */
    static double closest(List<Color> colors, double[][] vision) {
        double min = Double.POSITIVE_INFINITY;
        for (int i = 0; i < colors.size(); i++) {
            for (int j = i + 1; j < colors.size(); j++) {
                double[] a = seen(colors.get(i), vision);
                double[] b = seen(colors.get(j), vision);
                min = Math.min(min, Math.sqrt(Math.pow(a[0] - b[0], 2) + Math.pow(a[1] - b[1], 2) + Math.pow(a[2] - b[2], 2)));
            }
        }
        return min;
    }

    @Test
    void theSeriesColoursStayApartForNormalAndColourblindVision() {
        assertTrue(closest(Palette.COLORS, null) > 20, "normal vision: " + closest(Palette.COLORS, null));
        for (double[][] v : VISION) {
            assertTrue(closest(Palette.COLORS, v) > 12, "colourblind vision: " + closest(Palette.COLORS, v));
        }
        // the check means something: XChart's default colours (two yellows in the study's charts) fail it
        List<Color> xchart = Arrays.asList(new XChartSeriesColors().getSeriesColors());
        assertTrue(Arrays.stream(VISION).anyMatch(v -> closest(xchart, v) <= 12) || closest(xchart, null) <= 20);
    }

    @Test
    void afterSevenSeriesTheColoursRepeatWithAnotherLineStyle() {
        Table t = Table.create("t", DoubleColumn.create("x", 1, 2, 3));
        String[] ys = new String[9];
        for (int i = 0; i < ys.length; i++) {
            ys[i] = "s" + i;
            t.addColumns(DoubleColumn.create(ys[i], i, i + 1, i + 2));
        }
        XYChart c = Charts.lines(t, "t", "x", "y", ys);
        Figure.of(c).image();   // XChart gives series their styles when it paints
        List<XYSeries> s = List.copyOf(c.getSeriesMap().values());
        for (int i = 0; i < 7; i++) {
            assertEquals(Palette.COLORS.get(i), s.get(i).getLineColor());
        }
        assertEquals(s.get(0).getLineColor(), s.get(7).getLineColor());
        assertNotEquals(Arrays.toString(((BasicStroke) s.get(0).getLineStyle()).getDashArray()),
                Arrays.toString(((BasicStroke) s.get(7).getLineStyle()).getDashArray()), "the eighth series is dashed");
    }

    @Test
    void theHeatmapRampDarkensSteadilySoItReadsInGreyToo() {
        double previous = Double.POSITIVE_INFINITY;
        for (int i = 0; i <= 20; i++) {
            double l = seen(Palette.sequential(i / 20.0), null)[0];
            assertTrue(l < previous, "lightness falls along the ramp at " + i);
            previous = l;
        }
        assertEquals(Palette.sequential(0), Palette.sequential(-3), "clamped");
        assertEquals(Palette.sequential(1), Palette.sequential(7), "clamped");
    }
}
