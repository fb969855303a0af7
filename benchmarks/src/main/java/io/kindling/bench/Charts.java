package io.kindling.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.geom.Rectangle2D;
import java.awt.Paint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.AxisLocation;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTick;
import org.jfree.chart.axis.TickType;
import org.jfree.chart.axis.ValueTick;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.StackedBarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The charts beside {@code results.md}: PNGs drawn headless with JFreeChart, attached to a table with
 * {@link Report.Table#chart} (which draws them once every section has measured). Two kinds, both generic over what they show: a latency distribution per path
 * ({@link #percentiles}) and a breakdown of a total into consecutive phases ({@link #phases}).
 */
final class Charts {
    static {
        // No display on a benchmark machine; AWT must not look for one.
        System.setProperty("java.awt.headless", "true");
    }

    /** Tableau's ten colours: distinct on white, and none of them pale. */
    private static final Color[] PALETTE = {
        new Color(0x4E79A7), new Color(0xF28E2B), new Color(0xE15759), new Color(0x76B7B2), new Color(0x59A14F),
        new Color(0xEDC948), new Color(0xB07AA1), new Color(0xFF9DA7), new Color(0x9C755F), new Color(0xBAB0AC)};
    private static final Color GRID = new Color(0xDDDDDD);
    private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 16);
    private static final Font SUBTITLE_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    private static final Font AXIS_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    private static final Font TICK_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    private static final int WIDTH = 1000;

    private Charts() {}

    /** A chart ready to draw, at the size it reads best. */
    record Chart(JFreeChart chart, int width, int height) {
        byte[] png() {
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            try {
                ChartUtils.writeChartAsPNG(png, chart, width, height);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return png.toByteArray();
        }
    }

    /**
     * Latency against percentile, one line per path, both axes logarithmic: x in nines (0, 90, 99, 99.9 %, …, as far
     * as the most-sampled path reaches), y in milliseconds. Paths without a curve ({@link Latency#distribution()}
     * empty) are left out.
     *
     * @param series path name → its latency, in legend order
     */
    static Chart percentiles(String title, String subtitle, Map<String, Latency> series) {
        XYSeriesCollection dataset = new XYSeriesCollection();
        double maxNines = 1;
        double smallest = Double.MAX_VALUE;
        for (Map.Entry<String, Latency> entry : series.entrySet()) {
            List<Latency.Percentile> points = entry.getValue().distribution();
            if (points.isEmpty()) {
                continue;
            }
            XYSeries line = new XYSeries(entry.getKey(), false, true);
            for (Latency.Percentile point : points) {
                double nines = nines(point.percentile());
                line.add(nines, point.ms());
                maxNines = Math.max(maxNines, nines);
                smallest = Math.min(smallest, point.ms());
            }
            dataset.addSeries(line);
        }
        NumberAxis x = new NinesAxis("percentile (log scale: 90 %, 99 %, 99.9 %, … equally spaced)");
        x.setRange(0, maxNines * 1.01);
        LogAxis y = new LatencyAxis("latency (log scale)");
        y.setSmallestValue(smallest > 0 && smallest < Double.MAX_VALUE ? smallest / 2 : 1e-3);
        XYLineAndShapeRenderer lines = new XYLineAndShapeRenderer(true, false);
        for (int i = 0; i < dataset.getSeriesCount(); i++) {
            lines.setSeriesPaint(i, colour(i));
            lines.setSeriesStroke(i, new BasicStroke(2.2f));
        }
        XYPlot plot = new XYPlot(dataset, x, y, lines);
        plot.setDomainGridlinePaint(GRID);
        plot.setRangeGridlinePaint(GRID);
        plot.setRangeMinorGridlinesVisible(true);
        plot.setRangeMinorGridlinePaint(new Color(0xF0F0F0));
        JFreeChart chart = new JFreeChart(title, TITLE_FONT, plot, true);
        style(chart, subtitle, List.of(x, y));
        return new Chart(chart, WIDTH, 560 + 18 * dataset.getSeriesCount() / 2);
    }

    /**
     * One horizontal bar per scenario, one stacked segment per phase, in milliseconds. A phase a scenario does not
     * have is {@link Duration#ZERO} (or missing at the end of its list); a phase no scenario has is left out of the
     * legend, and every phase keeps its colour, so charts of the same phases match.
     *
     * @param phases phase names, in the order their segments stack (and the legend's)
     * @param bars   scenario → each phase's time, in {@code phases}' order; drawn top to bottom
     */
    static Chart phases(String title, String subtitle, List<String> phases, Map<String, List<Duration>> bars) {
        DefaultCategoryDataset dataset = new DefaultCategoryDataset();
        List<Integer> shown = new ArrayList<>();
        for (int i = 0; i < phases.size(); i++) {
            int phase = i;
            if (bars.values().stream().anyMatch(times -> phase < times.size() && !times.get(phase).isZero())) {
                shown.add(phase);
            }
        }
        for (Map.Entry<String, List<Duration>> bar : bars.entrySet()) {
            for (int i : shown) {
                Duration d = i < bar.getValue().size() ? bar.getValue().get(i) : Duration.ZERO;
                dataset.addValue(d.toNanos() / 1e6, phases.get(i), bar.getKey());
            }
        }
        CategoryAxis scenarios = new CategoryAxis(null);
        scenarios.setMaximumCategoryLabelWidthRatio(0.35f);
        NumberAxis time = new NumberAxis("time (ms)");
        time.setNumberFormatOverride(new DecimalFormat("#,##0.##"));
        StackedBarRenderer segments = new StackedBarRenderer();
        segments.setBarPainter(new StandardBarPainter());
        segments.setShadowVisible(false);
        segments.setDrawBarOutline(true);
        segments.setDefaultOutlinePaint(Color.WHITE);
        segments.setMaximumBarWidth(0.12);
        for (int row = 0; row < shown.size(); row++) {
            segments.setSeriesPaint(row, colour(shown.get(row)));
        }
        CategoryPlot plot = new CategoryPlot(dataset, scenarios, time, segments);
        plot.setOrientation(PlotOrientation.HORIZONTAL);
        plot.setRangeAxisLocation(AxisLocation.BOTTOM_OR_LEFT);
        plot.setRangeGridlinePaint(GRID);
        JFreeChart chart = new JFreeChart(title, TITLE_FONT, plot, true);
        style(chart, subtitle, List.of(scenarios, time));
        return new Chart(chart, WIDTH, 200 + 55 * bars.size() + 18 * (shown.size() + 1) / 2);
    }

    /**
     * A table's row label as a legend entry: without Markdown, and without its last parenthesis ({@code "K.
     * **Kindling GetFunctionConfiguration** (SigV4, registry, JSON)"} → {@code "K. Kindling GetFunctionConfiguration"}).
     */
    static String legend(String rowLabel) {
        String plain = rowLabel.replace("**", "").replace("`", "").strip();
        int aside = plain.lastIndexOf(" (");
        return aside > 0 && plain.endsWith(")") ? plain.substring(0, aside) : plain;
    }

    /** How far into the tail a percentile is: 0 → 0, 90 → 1, 99 → 2, 99.9 → 3. */
    static double nines(double percentile) {
        return -Math.log10(1 - Math.min(percentile, 99.9999999) / 100);
    }

    private static Paint colour(int i) {
        return PALETTE[i % PALETTE.length];
    }

    private static void style(JFreeChart chart, String subtitle, List<org.jfree.chart.axis.Axis> axes) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.setAntiAlias(true);
        chart.setTextAntiAlias(true);
        chart.setPadding(new RectangleInsets(8, 8, 8, 24));
        if (subtitle != null && !subtitle.isEmpty()) {
            TextTitle sub = new TextTitle(subtitle, SUBTITLE_FONT);
            sub.setPaint(Color.DARK_GRAY);
            chart.addSubtitle(sub);
        }
        chart.getPlot().setBackgroundPaint(Color.WHITE);
        chart.getPlot().setOutlinePaint(Color.GRAY);
        LegendTitle legend = chart.getLegend();
        legend.setPosition(RectangleEdge.BOTTOM);
        legend.setFrame(BlockBorder.NONE);
        legend.setItemFont(TICK_FONT);
        for (org.jfree.chart.axis.Axis axis : axes) {
            axis.setLabelFont(AXIS_FONT);
            axis.setTickLabelFont(TICK_FONT);
        }
    }

    /** A time in milliseconds as a tick label: {@code 50 µs}, {@code 2 ms}, {@code 1.5 s}. */
    static String tickLabel(double ms) {
        DecimalFormat number = new DecimalFormat("#,##0.###", DecimalFormatSymbols.getInstance(Locale.ROOT));
        if (ms >= 1000) {
            return number.format(ms / 1000) + " s";
        }
        return ms >= 1 ? number.format(ms) + " ms" : number.format(ms * 1000) + " µs";
    }

    /**
     * The percentile axis, in nines ({@link #nines}): ticks at 0, 50 %, 90 %, 99 %, 99.9 %, … The median gets a tick
     * because the tables lead with it.
     */
    private static final class NinesAxis extends NumberAxis {
        NinesAxis(String label) {
            super(label);
        }

        @Override
        protected List<ValueTick> refreshTicksHorizontal(Graphics2D g2, Rectangle2D dataArea, RectangleEdge edge) {
            List<ValueTick> ticks = new ArrayList<>();
            ticks.add(tick(0, "0 %"));
            ticks.add(tick(nines(50), "50 %"));
            for (int n = 1; n <= getUpperBound(); n++) {
                String percentile = String.format(Locale.ROOT, "%." + Math.max(0, n - 2) + "f %%", 100 * (1 - Math.pow(10, -n)));
                ticks.add(tick(n, percentile));
            }
            return ticks;
        }

        private static NumberTick tick(double nines, String label) {
            return new NumberTick(TickType.MAJOR, nines, label, TextAnchor.TOP_CENTER, TextAnchor.CENTER, 0);
        }
    }

    /**
     * The latency axis (values in milliseconds), logarithmic, with a label at every digit when the range spans at most
     * one decade, at 1, 2, 3 and 5 up to two decades, at 1, 2 and 5 up to two and a half, else at 1 only; unlabelled
     * marks at the other digits.
     */
    private static final class LatencyAxis extends LogAxis {
        LatencyAxis(String label) {
            super(label);
            setBase(10);
            setMinorTickMarksVisible(true);
        }

        @Override
        protected List<ValueTick> refreshTicksVertical(Graphics2D g2, Rectangle2D dataArea, RectangleEdge edge) {
            double lower = getLowerBound();
            double upper = getUpperBound();
            double decades = Math.log10(upper / lower);
            List<ValueTick> ticks = new ArrayList<>();
            for (int exponent = (int) Math.floor(Math.log10(lower)); exponent <= Math.ceil(Math.log10(upper)); exponent++) {
                for (int digit = 1; digit <= 9; digit++) {
                    double ms = digit * Math.pow(10, exponent);
                    if (ms < lower || ms > upper) {
                        continue;
                    }
                    boolean labelled = digit == 1 || decades <= 1 || (decades <= 2.5 && (digit == 2 || digit == 5))
                            || (decades <= 2 && digit == 3);
                    ticks.add(new NumberTick(labelled ? TickType.MAJOR : TickType.MINOR, ms, labelled ? tickLabel(ms) : "",
                            TextAnchor.CENTER_RIGHT, TextAnchor.CENTER_RIGHT, 0));
                }
            }
            return ticks;
        }
    }
}
