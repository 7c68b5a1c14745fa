package org.gradlab.plot;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.internal.chartpart.Axis;
import org.knowm.xchart.internal.chartpart.AxisTickCalculator;
import org.knowm.xchart.internal.chartpart.Chart;

/** The tick labels an XChart chart draws on an axis, read after painting it (XChart keeps them inside). */
final class Ticks {
    private Ticks() {
    }

    /** The labels drawn on the x axis (or the y axis), in order, without the unlabelled minor ticks. */
    static List<String> of(Chart<?, ?> chart, boolean x) {
        BufferedImage img = new BufferedImage(chart.getWidth(), chart.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        chart.paint(g, chart.getWidth(), chart.getHeight());
        g.dispose();
        try {
            Method m = Chart.class.getDeclaredMethod(x ? "getXAxis" : "getYAxis");
            m.setAccessible(true);
            Axis<?, ?> axis = (Axis<?, ?>) m.invoke(chart);
            AxisTickCalculator t = axis.getAxisTickCalculator();
            double length = x ? axis.getBounds().getWidth() : axis.getBounds().getHeight();
            List<String> out = new ArrayList<>();
            for (int i = 0; i < t.getTickLabels().size(); i++) {
                String label = t.getTickLabels().get(i);
                double at = t.getTickLocations().get(i);
                if (label != null && !label.isEmpty() && at >= -0.5 && at <= length + 0.5) {
                    out.add(label);
                }
            }
            return out;
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("XChart's axes moved: " + e, e);
        }
    }

    static List<String> x(Chart<?, ?> chart) {
        return of(chart, true);
    }

    static List<String> y(Chart<?, ?> chart) {
        return of(chart, false);
    }
}
