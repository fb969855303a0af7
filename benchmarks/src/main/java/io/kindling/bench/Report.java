package io.kindling.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The run's output: Markdown tables for people, with charts under some of them, and the same figures as JSON for
 * tools (every latency in milliseconds, every ratio as figure ÷ baseline of the named statistic). {@link #write}
 * puts {@code results.md}, {@code results.json} and {@code charts/*.png} in one directory.
 */
final class Report {
    static final String MARKDOWN = "results.md";
    static final String JSON = "results.json";

    /** One Markdown table with a title, a line saying how it was measured, and notes under it. */
    static final class Table {
        private final String title;
        private final String method;
        private final List<String> header;
        private final List<List<String>> rows = new ArrayList<>();
        private final List<String> notes = new ArrayList<>();
        private final List<ChartFile> charts = new ArrayList<>();
        /** Every chart name of the report, so no two tables' charts share a file. */
        private final Set<String> chartNames;

        private Table(String title, String method, List<String> header, Set<String> chartNames) {
            this.title = title;
            this.method = method;
            this.header = header;
            this.chartNames = chartNames;
        }

        Table row(String... cells) {
            if (cells.length != header.size()) {
                throw new IllegalArgumentException(title + ": " + cells.length + " cells for " + header.size() + " columns");
            }
            rows.add(List.of(cells));
            return this;
        }

        Table note(String note) {
            notes.add(note);
            return this;
        }

        /**
         * Shows {@code chart} under the table as {@code charts/NAME.png}. It is drawn when the report is first rendered,
         * after every section has measured, so drawing never runs beside a measurement. A machine where AWT cannot draw
         * (no fonts, say) gets a line saying why instead, and the run goes on.
         *
         * @param name the file's name without {@code .png}: lower case, digits and dashes, beginning with the figure's
         *             number; unique in the report
         */
        Table chart(String name, Charts.Chart chart) {
            if (!name.matches("[a-z0-9][a-z0-9-]*") || !chartNames.add(name)) {
                throw new IllegalArgumentException("chart name " + name + " (lower case, digits and dashes, unique)");
            }
            String title = chart.chart().getTitle() == null ? name : chart.chart().getTitle().getText();
            charts.add(new ChartFile("charts/" + name + ".png", title, chart));
            return this;
        }

        private void render(StringBuilder md) {
            md.append("### ").append(title).append("\n\n").append(method).append("\n\n");
            md.append("| ").append(String.join(" | ", header)).append(" |\n");
            md.append("|").append("---|".repeat(header.size())).append('\n');
            for (List<String> row : rows) {
                md.append("| ").append(String.join(" | ", row)).append(" |\n");
            }
            md.append('\n');
            for (ChartFile chart : charts) {
                md.append(chart.png() == null
                        ? "(Chart \"" + chart.title + "\" not drawn: " + chart.whyNot + ")"
                        : "![" + chart.title + "](" + chart.file + ")").append("\n\n");
            }
            for (String note : notes) {
                md.append(note).append("\n\n");
            }
        }
    }

    /** A chart and its file, drawn as PNG bytes the first time they are asked for (or why it could not be). */
    private static final class ChartFile {
        final String file;
        final String title;
        private Charts.Chart chart;
        private byte[] png;
        private String whyNot;

        ChartFile(String file, String title, Charts.Chart chart) {
            this.file = file;
            this.title = title;
            this.chart = chart;
        }

        /** The PNG, or null when it could not be drawn ({@link #whyNot} says why). */
        byte[] png() {
            if (chart != null) {
                try {
                    png = chart.png();
                } catch (OutOfMemoryError | StackOverflowError e) {
                    throw e;
                } catch (RuntimeException | Error e) {
                    // Headless AWT reports a machine without fonts or without libfreetype as an Error.
                    whyNot = e.toString();
                }
                chart = null;
            }
            return png;
        }
    }

    private final MachineDescription machine;
    private final BenchSettings settings;
    private final List<Table> tables = new ArrayList<>();
    private final Set<String> chartNames = new HashSet<>();
    private final List<Map<String, Object>> figures = new ArrayList<>();
    private final List<Map<String, Object>> ratios = new ArrayList<>();
    private final Map<String, Object> run = new LinkedHashMap<>();

    Report(MachineDescription machine, BenchSettings settings) {
        this.machine = machine;
        this.settings = settings;
    }

    Table table(String title, String method, String... header) {
        Table table = new Table(title, method, List.of(header), chartNames);
        tables.add(table);
        return table;
    }

    /** A latency figure for the JSON output; {@code extra} adds throughput, sizes and the like. */
    void latency(String id, String label, Latency latency, Map<String, Object> extra) {
        Map<String, Object> figure = new LinkedHashMap<>();
        figure.put("id", id);
        figure.put("label", label);
        figure.put("n", latency.count());
        figure.put("p50_ms", latency.p50Ms());
        figure.put("p99_ms", latency.p99Ms());
        figure.put("max_ms", latency.maxMs());
        figure.put("mean_ms", latency.meanMs());
        figure.putAll(extra);
        figures.add(figure);
    }

    /** A figure that is not a latency distribution (throughput of a tool, say). */
    void figure(String id, String label, Map<String, Object> values) {
        Map<String, Object> figure = new LinkedHashMap<>();
        figure.put("id", id);
        figure.put("label", label);
        figure.putAll(values);
        figures.add(figure);
    }

    /** Records figure ÷ baseline for {@code statistic} and returns it. */
    double ratio(String figure, String baseline, String statistic, double figureValue, double baselineValue) {
        double ratio = figureValue / baselineValue;
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("figure", figure);
        entry.put("baseline", baseline);
        entry.put("statistic", statistic);
        entry.put("ratio", ratio);
        ratios.add(entry);
        return ratio;
    }

    void runFact(String key, Object value) {
        run.put(key, value);
    }

    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("## Kindling benchmark: control plane and invoke").append(settings.quick() ? " (--quick)" : "").append("\n\n");
        if (settings.quick()) {
            md.append("> `--quick`: short warm-up and few samples, a smoke test of every path. Quote the full run, not these.\n\n");
        }
        if (!settings.allSections()) {
            md.append("> `--only`: sections ").append(sectionList()).append(" only.\n\n");
        }
        md.append("- CPU: ").append(machine.cpuModel()).append(", ").append(machine.cpus()).append(" CPUs visible to the JVM (")
                .append(machine.cpuFeatures()).append(")\n");
        md.append("- Memory: ").append(machine.memory()).append("; kernel ").append(machine.kernel()).append("; ")
                .append(machine.os()).append('\n');
        md.append("- JDK: ").append(machine.jdk()).append('\n');
        md.append("- Date: ").append(machine.date()).append("; load average (1/5/15 min) at start ")
                .append(machine.loadAverageAtStart()).append(", at end ").append(run.getOrDefault("load_average_at_end", "?"))
                .append("; run took ").append(run.getOrDefault("wall_seconds", "?")).append(" s\n");
        md.append("- CPU pressure over the whole run (share of time some task waited for a CPU): ")
                .append(CpuPressure.describe((Double) run.getOrDefault("cpu_pressure_pct.run", -1.0))).append("\n\n");
        for (Table table : tables) {
            table.render(md);
        }
        return md.toString();
    }

    private String sectionList() {
        return settings.sections().stream().map(BenchSettings.Section::described).collect(Collectors.joining(", "));
    }

    /** Writes {@code results.md}, {@code results.json} and the charts, replacing a previous run's charts. */
    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path chartDir = dir.resolve("charts");
        if (Files.isDirectory(chartDir)) {
            try (Stream<Path> old = Files.list(chartDir)) {
                for (Path png : old.filter(p -> p.getFileName().toString().endsWith(".png")).toList()) {
                    Files.delete(png);
                }
            }
        }
        List<Map<String, Object>> chartList = new ArrayList<>();
        for (Table table : tables) {
            for (ChartFile chart : table.charts) {
                if (chart.png() != null) {
                    Files.createDirectories(chartDir);
                    Files.write(dir.resolve(chart.file), chart.png());
                    Map<String, Object> entry = new LinkedHashMap<>();
                    entry.put("file", chart.file);
                    entry.put("title", chart.title);
                    entry.put("table", table.title);
                    chartList.add(entry);
                }
            }
        }
        Files.writeString(dir.resolve(MARKDOWN), markdown());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "kindling");
        json.put("quick", settings.quick());
        json.put("sections", settings.sections().stream().map(BenchSettings.Section::option).toList());
        json.put("machine", machine);
        json.put("run", run);
        json.put("figures", figures);
        json.put("ratios", ratios);
        json.put("charts", chartList);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve(JSON).toFile(), json);
    }
}
