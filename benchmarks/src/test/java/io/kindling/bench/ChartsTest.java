package io.kindling.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both kinds of chart drawn from made-up samples, through a {@link Report} into a directory as a run writes them. The
 * PNGs stay in {@code target/chart-samples} for a look.
 */
class ChartsTest {
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final Path SAMPLES = Path.of("target/chart-samples");

    @Test
    void percentileCurveRunsFromTheSmallestSampleToTheLargestHalfwayIntoItsStep() {
        Histogram h = Latency.newHistogram();
        for (int i = 1; i <= 1000; i++) {
            h.recordValue(i * 1000L);
        }
        List<Latency.Percentile> curve = Latency.of(h).distribution();
        assertThat(curve.getFirst()).isEqualTo(new Latency.Percentile(0, 0.001));
        assertThat(curve.getLast().ms()).isEqualTo(1.0, Offset.offset(0.001));
        assertThat(curve.getLast().percentile()).isEqualTo(99.95, Offset.offset(1e-9));
        assertThat(curve).isSortedAccordingTo((a, b) -> Double.compare(a.percentile(), b.percentile()));

        Histogram one = Latency.newHistogram();
        one.recordValue(5_000_000);
        List<Latency.Percentile> single = Latency.of(one).distribution();
        assertThat(single.getFirst().percentile()).isEqualTo(0.0);
        assertThat(single.getLast().percentile()).isEqualTo(50.0, Offset.offset(1e-9));
        assertThat(single).allSatisfy(p -> assertThat(p.ms()).isCloseTo(5.0, Offset.offset(0.01)));
    }

    @Test
    void drawsChartsUnderTheirTablesInResultsMd() throws Exception {
        SplittableRandom random = new SplittableRandom(7);
        Map<String, Latency> lines = new LinkedHashMap<>();
        lines.put("B: bare Jetty echo (baseline)", lognormal(random, 20_000, 80_000, 0.3));
        lines.put("Kindling, c, 1,769 MB", lognormal(random, 8_000, 250_000, 0.4));
        lines.put("Kindling, sh, 1,769 MB", lognormal(random, 800, 9_000_000, 0.2));
        lines.put("Kindling, java, 512 MB", lognormal(random, 6, 900_000_000, 0.1));
        List<String> phases = List.of("before the driver", "scratch", "cgroup", "netns", "spawn", "to main", "to next",
                "to answer", "spawned → answer (not split)");
        Map<String, List<Duration>> bars = new LinkedHashMap<>();
        bars.put("c, 1,769 MB", ms(0.4, 0.3, 0.5, 2.1, 0.6, 3.2, 0.4, 0.3, 0));
        bars.put("c, 128 MB", ms(0.4, 0.3, 0.5, 2.2, 0.6, 9.8, 1.4, 0.9, 0));
        bars.put("sh, 1,769 MB", ms(0.4, 0.3, 0.5, 2.0, 0.6, 0, 0, 0, 24));
        bars.put("bare c", ms(0, 0, 0, 0, 0, 0.9, 0.2, 0.1, 0));

        Report report = new Report(MachineDescription.read(), BenchSettings.parse(new String[] {"--quick"}, SAMPLES));
        report.table("7. Some latencies", "made up", "path").row("x")
                .chart("7-sample-percentiles", Charts.percentiles("7. Warm invoke, 1 caller", "made-up samples", lines));
        report.table("8b. Some phases", "made up", "part").row("x")
                .chart("8b-sample-phases", Charts.phases("8b. Where a cold start's time goes", "made-up medians",
                        phases, bars));
        report.write(SAMPLES);

        for (String chart : List.of("7-sample-percentiles", "8b-sample-phases")) {
            byte[] png = Files.readAllBytes(SAMPLES.resolve("charts/" + chart + ".png"));
            assertThat(Arrays.copyOf(png, 8)).isEqualTo(PNG_SIGNATURE);
        }
        assertThat(Files.readString(SAMPLES.resolve("results.md")))
                .contains("![7. Warm invoke, 1 caller](charts/7-sample-percentiles.png)")
                .contains("![8b. Where a cold start's time goes](charts/8b-sample-phases.png)");
        assertThat(Files.readString(SAMPLES.resolve("results.json")))
                .contains("\"machine\"").contains("\"cpuModel\"").contains("charts/8b-sample-phases.png");
    }

    @Test
    void aChartThatCannotBeDrawnIsALineInsteadAndTheReportIsStillWritten(@TempDir Path dir) throws Exception {
        Histogram h = Latency.newHistogram();
        h.recordValue(1_000_000);
        Charts.Chart chart = Charts.percentiles("6. Something", null, Map.of("one", Latency.of(h)));
        Report report = new Report(MachineDescription.read(), BenchSettings.parse(new String[] {"--quick"}, dir));
        report.table("6. Something", "made up", "path").row("x").chart("6-broken", new Charts.Chart(chart.chart(), 0, 100));
        report.write(dir);

        assertThat(Files.readString(dir.resolve("results.md"))).contains("(Chart \"6. Something\" not drawn: ");
        assertThat(dir.resolve("charts/6-broken.png")).doesNotExist();
    }

    private static Latency lognormal(SplittableRandom random, int samples, long medianNanos, double sigma) {
        Histogram h = Latency.newHistogram();
        for (int i = 0; i < samples; i++) {
            double gaussian = Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
            h.recordValue(Math.round(medianNanos * Math.exp(sigma * gaussian)));
        }
        return Latency.of(h);
    }

    private static List<Duration> ms(double... parts) {
        return Arrays.stream(parts).mapToObj(p -> Duration.ofNanos(Math.round(p * 1e6))).toList();
    }
}
