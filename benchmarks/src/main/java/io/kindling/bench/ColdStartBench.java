package io.kindling.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kindling.assignment.LifecycleSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * Figure 8: cold starts. Each sample is an invoke that finds no environment of its function: the server runs with a
 * 100 ms idle timeout, and before each sample the benchmark waits until every sandbox of that server is gone (its
 * scratch directory, the last thing a sandbox's teardown removes) and 50 ms more, so each cold start has the worker
 * to itself, with nothing being torn down beside it. Deployment is not measured. The time is from sending the invoke
 * to having its whole answer, at the client.
 *
 * <p>Baseline: the same bootstrap (for Java: the same java command), started directly as a child process of this JVM
 * (ProcessBuilder, no sandbox, no cgroup, no CPU cap) against {@link FakeRuntimeApi}, from the spawn until its
 * response has arrived there.
 *
 * <p>A JVM's start takes about a second, so the Java rows take fewer samples ({@link BenchSettings#slowColdStarts()}),
 * spread evenly over the rounds of the others.
 *
 * <p>Where the time goes: the driver's own log line ({@link SandboxStartLog}) gives its steps; the C and Java runtimes
 * answer the event {@code "clock"} with two monotonic times (C: its main() began and its first /next was read; Java:
 * the RIC had loaded the handler class and the handler had the event; {@link ProvidedBootstraps#CLOCK_EVENT}), the
 * same clock as System.nanoTime, so the rest splits into before the runtime's code ran, its first event, and its
 * answer.
 */
final class ColdStartBench {
    static final Duration IDLE_TIMEOUT = Duration.ofMillis(100);
    static final Duration SETTLE = Duration.ofMillis(50);
    private static final Duration GONE_TIMEOUT = Duration.ofSeconds(60);
    private static final byte[] EVENT = ProvidedBootstraps.CLOCK_EVENT.getBytes(StandardCharsets.US_ASCII);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The parts of a cold start, in order; each sample fills those it can. */
    enum Phase {
        BEFORE_DRIVER("invoke sent → sandbox start begins (HTTP, frontend, registry, pool, memory admission)"),
        SCRATCH("… scratch directory (generated /etc/passwd, group, hosts; 0 when a pre-created slot was taken)"),
        CGROUP("… cgroup created (0 when pre-created)"),
        NETNS("… network namespace, lo up, Runtime API listener bound inside it (0 when pre-created)"),
        LIMITS("… the function's limits written to the cgroup"),
        SPAWN("… launcher spawned (ProcessBuilder)"),
        TO_MAIN("spawned → the runtime's code runs (C: main(); java: handler class loaded, the JVM and the RIC "
                + "started); sandbox: launcher sh, nsenter, bwrap's namespaces and mounts, exec; bare: ProcessBuilder.start →"),
        TO_NEXT("→ first event in hand (C: connect, GET /next answered; java: the RIC's first /next, handleRequest "
                + "entered)"),
        TO_ANSWER("→ answer at the client (runtime posts, Kindling relays); bare: at the fake API"),
        AFTER_SPAWN("spawned → answer at the client (the runtime's whole part, with sandbox set-up)"),
        TOTAL("total (median of whole cold starts)");

        final String label;

        Phase(String label) {
            this.label = label;
        }
    }

    /** One configuration's samples: whole cold starts and their parts (nanoseconds). */
    static final class Series {
        final String id;
        final String label;
        final InvokeTarget target;
        final ProvidedBootstraps.Bootstrap bootstrap;
        final Histogram total = Latency.newHistogram();
        final Map<Phase, Histogram> phases = new EnumMap<>(Phase.class);
        int clockMisaligned;

        Series(String id, String label, InvokeTarget target, ProvidedBootstraps.Bootstrap bootstrap) {
            this.id = id;
            this.label = label;
            this.target = target;
            this.bootstrap = bootstrap;
        }

        void phase(Phase phase, long nanos) {
            phases.computeIfAbsent(phase, p -> Latency.newHistogram()).recordValue(Math.max(0, nanos));
        }

        Latency latency() {
            return Latency.of(total);
        }

        /** The median of a phase in ms, or -1 when no sample had it. */
        double medianMs(Phase phase) {
            if (phase == Phase.TOTAL) {
                return total.getValueAtPercentile(50) / 1e6;
            }
            Histogram h = phases.get(phase);
            return h == null || h.getTotalCount() == 0 ? -1 : h.getValueAtPercentile(50) / 1e6;
        }
    }

    private record Clock(long mainNanos, long nextNanos) {}

    private final BenchSettings settings;
    private final List<InvokeTarget> targets;
    private final List<ProvidedBootstraps.Bootstrap> bootstraps;
    private final SandboxStartLog startLog;
    private final Path scratchRoot;
    private final String sandboxPrefix;
    private final Path bareTmp;

    /**
     * @param targets       the functions to cold-start, all on one server whose sandboxes are named {@code sandboxPrefix-*}
     * @param bootstraps    the runtimes to also start bare
     * @param scratchRoot   where that server's sandboxes keep their scratch directories
     */
    ColdStartBench(BenchSettings settings, List<InvokeTarget> targets, List<ProvidedBootstraps.Bootstrap> bootstraps,
                   SandboxStartLog startLog, Path scratchRoot, String sandboxPrefix, Path workDir) throws IOException {
        this.settings = settings;
        this.targets = targets;
        this.bootstraps = bootstraps;
        this.startLog = startLog;
        this.scratchRoot = scratchRoot;
        this.sandboxPrefix = sandboxPrefix;
        this.bareTmp = Files.createDirectories(workDir.resolve("bare-tmp"));
    }

    /** Runs the samples, adds tables 8 and 8b, and returns every series (Kindling's first, then the bare ones). */
    List<Series> run(Report report) throws Exception {
        CpuPressure pressure = CpuPressure.start();
        List<Series> kindling = new ArrayList<>();
        Map<ProvidedBootstraps.Bootstrap, Series> bare = new LinkedHashMap<>();
        for (InvokeTarget target : targets) {
            kindling.add(new Series("invoke.cold." + target.id(), "Kindling cold start, " + target.bootstrap().label(),
                    target, target.bootstrap()));
        }
        for (ProvidedBootstraps.Bootstrap bootstrap : bootstraps) {
            bare.put(bootstrap, new Series("invoke.cold.bare-" + bootstrap.id(), "bare " + bootstrap.label()
                    + ", spawned by this JVM, fake Runtime API (baseline)", null, bootstrap));
        }
        List<KeepAliveHttpPost> clients = new ArrayList<>();
        for (InvokeTarget target : targets) {
            clients.add(new KeepAliveHttpPost(target.invokeUrl(), EVENT, "application/json"));
        }
        try (FakeRuntimeApi fake = new FakeRuntimeApi()) {
            int rounds = settings.coldWarmup() + settings.coldStarts();
            for (int round = 0; round < rounds; round++) {
                boolean measured = round >= settings.coldWarmup();
                int slowSample = slowSample(round, rounds);
                boolean slowMeasured = slowSample >= settings.slowColdWarmup();
                if (round == 0 || round == settings.coldWarmup() || (round - settings.coldWarmup() + 1) % 10 == 0) {
                    RoundTripBench.progress("cold starts: " + (measured ? "measured round " + (round - settings.coldWarmup() + 1)
                            + "/" + settings.coldStarts() : "warm-up round " + (round + 1) + "/" + settings.coldWarmup())
                            + " (" + targets.size() + " in Kindling, " + bootstraps.size() + " bare)");
                }
                // Every configuration once per round (the slow ones in some rounds only), so the machine's noise falls
                // on all of them alike.
                for (int i = 0; i < targets.size(); i++) {
                    Series series = kindling.get(i);
                    if (!targets.get(i).bootstrap().slowToStart()) {
                        coldStart(targets.get(i), clients.get(i), measured ? series : null);
                    } else if (slowSample >= 0) {
                        coldStart(targets.get(i), clients.get(i), slowMeasured ? series : null);
                    }
                }
                for (Map.Entry<ProvidedBootstraps.Bootstrap, Series> entry : bare.entrySet()) {
                    if (!entry.getKey().slowToStart()) {
                        awaitQuiet();
                        bareStart(fake, entry.getKey(), bareTmp, measured ? entry.getValue() : null);
                    } else if (slowSample >= 0) {
                        awaitQuiet();
                        bareStart(fake, entry.getKey(), bareTmp, slowMeasured ? entry.getValue() : null);
                    }
                }
            }
        }
        List<Series> all = new ArrayList<>(kindling);
        all.addAll(bare.values());
        render(report, kindling, bare, pressure.percentSinceStart());
        return all;
    }

    /**
     * Which sample of a slow runtime (0 onwards; the first {@link BenchSettings#slowColdWarmup()} unmeasured) this round
     * takes, or -1 for none: sample k falls in round floor(k × rounds ÷ samples), so they spread over every round.
     */
    private int slowSample(int round, int rounds) {
        int samples = Math.min(rounds, settings.slowColdWarmup() + settings.slowColdStarts());
        int k = (int) Math.ceil((double) round * samples / rounds);
        return k < samples && (long) k * rounds / samples == round ? k : -1;
    }

    /** One cold start through Kindling; {@code into} null for a warm-up sample. */
    private void coldStart(InvokeTarget target, KeepAliveHttpPost client, Series into) throws Exception {
        awaitQuiet();
        startLog.drain();
        long sent = System.nanoTime();
        KeepAliveHttpPost.Answer answer = client.exchange();
        long answered = System.nanoTime();
        if (answer.status() != 200 || answer.functionError() != null) {
            throw new IllegalStateException("cold invoke of " + target.function() + " answered " + answer.status()
                    + (answer.functionError() == null ? "" : " (" + answer.functionError() + ")") + ": "
                    + answer.bodyText());
        }
        List<SandboxStartLog.Start> starts = startLog.drain();
        if (starts.size() != 1) {
            throw new IllegalStateException("invoke of " + target.function() + " was meant to be a cold start, but the "
                    + "sandbox driver logged " + starts.size() + " sandbox starts during it");
        }
        if (into == null) {
            return;
        }
        SandboxStartLog.Start start = starts.getFirst();
        into.total.recordValue(answered - sent);
        into.phase(Phase.BEFORE_DRIVER, start.beganNanos() - sent);
        into.phase(Phase.SCRATCH, start.scratchMicros() * 1000);
        into.phase(Phase.CGROUP, start.cgroupMicros() * 1000);
        into.phase(Phase.NETNS, start.netnsMicros() * 1000);
        into.phase(Phase.LIMITS, start.limitsMicros() * 1000);
        into.phase(Phase.SPAWN, start.spawnMicros() * 1000);
        into.phase(Phase.AFTER_SPAWN, answered - start.loggedNanos());
        if (target.bootstrap().reportsClock()) {
            Clock clock = clock(answer.body());
            if (start.loggedNanos() <= clock.mainNanos() && clock.mainNanos() <= clock.nextNanos()
                    && clock.nextNanos() <= answered) {
                into.phase(Phase.TO_MAIN, clock.mainNanos() - start.loggedNanos());
                into.phase(Phase.TO_NEXT, clock.nextNanos() - clock.mainNanos());
                into.phase(Phase.TO_ANSWER, answered - clock.nextNanos());
            } else {
                into.clockMisaligned++;
            }
        } else if (!answer.bodyText().equals(ProvidedBootstraps.CLOCK_EVENT)) {
            throw new IllegalStateException(target.function() + " did not echo the event: " + answer.bodyText());
        }
    }

    /**
     * One start of the bare bootstrap against the fake Runtime API, with {@code tmp} as its TMPDIR; {@code into} null
     * for a warm-up sample. The caller sees to it that nothing else runs meanwhile.
     */
    /**
     * The bare runtime's process: its command, in its directory, with only its own variables, a plain PATH, its own
     * TMPDIR and {@code api} as its Runtime API; output discarded.
     */
    static ProcessBuilder bareProcess(ProvidedBootstraps.Bare command, String api, Path tmp) {
        ProcessBuilder builder = new ProcessBuilder(command.command())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        if (command.directory() != null) {
            builder.directory(command.directory().toFile());
        }
        builder.environment().clear();
        builder.environment().putAll(command.environment());
        builder.environment().put("PATH", "/usr/local/bin:/usr/bin:/bin");
        builder.environment().put("TMPDIR", tmp.toString());
        builder.environment().put("AWS_LAMBDA_RUNTIME_API", api);
        return builder;
    }

    static void bareStart(FakeRuntimeApi fake, ProvidedBootstraps.Bootstrap bootstrap, Path tmp, Series into)
            throws Exception {
        CompletableFuture<FakeRuntimeApi.Posted> posted = fake.expect(UUID.randomUUID().toString(), EVENT);
        ProcessBuilder builder = bareProcess(bootstrap.bare(), fake.address(), tmp);
        long spawned = System.nanoTime();
        Process process = builder.start();
        FakeRuntimeApi.Posted answer;
        try {
            answer = posted.get(30, TimeUnit.SECONDS);
        } finally {
            // The fake answers the runtime's next /next with 500, and the runtime exits.
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor();
            }
        }
        if (into == null) {
            return;
        }
        into.total.recordValue(answer.nanos() - spawned);
        if (bootstrap.reportsClock()) {
            Clock clock = clock(answer.body());
            if (spawned <= clock.mainNanos() && clock.mainNanos() <= clock.nextNanos() && clock.nextNanos() <= answer.nanos()) {
                into.phase(Phase.TO_MAIN, clock.mainNanos() - spawned);
                into.phase(Phase.TO_NEXT, clock.nextNanos() - clock.mainNanos());
                into.phase(Phase.TO_ANSWER, answer.nanos() - clock.nextNanos());
            } else {
                into.clockMisaligned++;
            }
        }
    }

    private static Clock clock(byte[] body) throws IOException {
        JsonNode node = JSON.readTree(body);
        if (node == null || !node.has("main_ns") || !node.has("next_ns")) {
            throw new IllegalStateException("the runtime answered the clock event with "
                    + new String(body, StandardCharsets.UTF_8));
        }
        return new Clock(node.get("main_ns").asLong(), node.get("next_ns").asLong());
    }

    /** Waits until no sandbox of the server is left (idle timeout, teardown), then {@link #SETTLE} more. */
    private void awaitQuiet() throws IOException, InterruptedException {
        awaitNoSandboxes(scratchRoot, sandboxPrefix);
        Thread.sleep(SETTLE);
    }

    /**
     * Waits until no sandbox named {@code prefix-*} is left: its scratch directory under {@code scratchRoot} is the last
     * thing a sandbox's teardown removes.
     */
    static void awaitNoSandboxes(Path scratchRoot, String prefix) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + GONE_TIMEOUT.toNanos();
        while (sandboxesLeft(scratchRoot, prefix)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("sandboxes " + prefix + "-* still there after " + GONE_TIMEOUT);
            }
            Thread.sleep(2);
        }
    }

    private static boolean sandboxesLeft(Path scratchRoot, String prefix) throws IOException {
        if (!Files.isDirectory(scratchRoot)) {
            return false;
        }
        try (Stream<Path> dirs = Files.list(scratchRoot)) {
            // Not the idle pre-created slots' (a taken slot's directory is renamed after its sandbox).
            return dirs.map(p -> p.getFileName().toString())
                    .anyMatch(n -> n.startsWith(prefix + "-") && !n.startsWith(prefix + "-pool."));
        }
    }

    /** The lifecycle of a cold-start server: environments retire after {@link #IDLE_TIMEOUT}, the rest as default. */
    static LifecycleSettings retireQuickly() {
        return new LifecycleSettings(IDLE_TIMEOUT, LifecycleSettings.DEFAULTS.freezeAfterIdle(),
                LifecycleSettings.DEFAULTS.shutdownGrace());
    }

    private void render(Report report, List<Series> kindling, Map<ProvidedBootstraps.Bootstrap, Series> bare,
                        double cpuPressure) {
        Report.Table table = report.table("8. Cold start: invoke of a function with no environment",
                "Each sample is the first invoke after the function's previous environment is gone (idle timeout "
                        + IDLE_TIMEOUT.toMillis() + " ms; the benchmark waits until every sandbox of the server has been "
                        + "torn down, then " + SETTLE.toMillis() + " ms), so nothing else runs beside it; deployment is not "
                        + "measured. Time: invoke sent → whole answer at the client (same raw keep-alive client as 7, "
                        + "`--auth none`), event `\"clock\"` (7 bytes). " + settings.coldWarmup() + " unmeasured, then "
                        + settings.coldStarts() + " measured per row, the rows taking turns sample by sample; java rows (a "
                        + "JVM's start takes about a second) " + settings.slowColdWarmup() + " unmeasured, then "
                        + settings.slowColdStarts() + " measured, spread evenly over the same rounds. Baseline: the same "
                        + "bootstrap (java: the runtime catalog's java command, /var/runtime and /var/task as host paths, in "
                        + "the classes' directory, with a sandbox's variables) spawned directly by this JVM (ProcessBuilder; "
                        + "no sandbox, no cgroup, no CPU cap) against a bare Jetty that serves one event, from the spawn "
                        + "until its response arrived there.",
                "path", "memory", "n", "p50", "p99", "max", "baseline p50", "p50 − baseline", "p50 ÷ baseline");
        for (Map.Entry<ProvidedBootstraps.Bootstrap, Series> entry : bare.entrySet()) {
            Series base = entry.getValue();
            row(report, table, base, null);
            for (Series s : kindling) {
                if (s.bootstrap == entry.getKey()) {
                    row(report, table, s, base);
                }
            }
        }
        table.note("Budget (architecture): `provided` cold start p50 ≤ 50 ms, p99 ≤ 100 ms; Java within "
                + Format.ratio(InvokeBench.JAVA_COLD_RATIO) + " the bare JVM start. With " + settings.coldStarts() + " (java "
                + settings.slowColdStarts() + ") samples per row, p99 is the largest sample (fewer than 100).");
        int misaligned = kindling.stream().mapToInt(s -> s.clockMisaligned).sum() + bare.values().stream()
                .mapToInt(s -> s.clockMisaligned).sum();
        if (misaligned > 0) {
            table.note(misaligned + " samples had runtime timestamps out of order with the benchmark's and are left out of "
                    + "the breakdown (their totals count).");
        }
        table.note("CPU pressure during this section: " + CpuPressure.describe(cpuPressure) + ".");
        report.runFact("cpu_pressure_pct.invoke_cold", cpuPressure);
        for (Map.Entry<ProvidedBootstraps.Bootstrap, Series> entry : bare.entrySet()) {
            Map<String, Latency> lines = new LinkedHashMap<>();
            for (Series s : kindling) {
                if (s.bootstrap == entry.getKey()) {
                    lines.put("Kindling, " + s.bootstrap.id() + ", " + s.target.memory(), s.latency());
                }
            }
            lines.put("bare " + entry.getKey().id() + ", spawned by this JVM (baseline)", entry.getValue().latency());
            table.chart("8-cold-start-" + entry.getKey().id(), Charts.percentiles(
                    "8. Cold start, " + entry.getKey().id() + " runtime",
                    "invoke sent → whole answer at the client, no environment running; beside the same bootstrap "
                            + "started bare", lines));
        }

        List<Series> columns = new ArrayList<>(kindling);
        bare.values().stream().filter(s -> s.bootstrap.reportsClock()).forEach(columns::add);
        List<String> header = new ArrayList<>(List.of("part (median over samples)"));
        for (Series s : columns) {
            header.add(s.target == null ? "bare " + s.bootstrap.id() : s.bootstrap.id() + ", " + s.target.memory());
        }
        Report.Table parts = report.table("8b. Where a cold start's time goes",
                "Medians of each part over the measured samples of 8 (medians do not add up to the median total). The "
                        + "driver's steps come from its own debug line (`BubblewrapDriver`, \"spawned pid … after … µs "
                        + "(scratch, cgroup, netns and listener, spawn)\", turned on for this run); the C runtime reports "
                        + "when its main() began and its first /next was read, the java handler when the RIC loaded its "
                        + "class and when it had the event (CLOCK_MONOTONIC, the clock of System.nanoTime).",
                header.toArray(String[]::new));
        for (Phase phase : Phase.values()) {
            List<String> cells = new ArrayList<>(List.of(phase.label));
            Map<String, Object> values = new LinkedHashMap<>();
            for (Series s : columns) {
                double ms = s.medianMs(phase);
                cells.add(ms < 0 ? "—" : Format.millis(ms));
                if (ms >= 0) {
                    values.put(s.id, ms);
                }
            }
            parts.row(cells.toArray(String[]::new));
            report.figure("invoke.cold.part." + phase.name().toLowerCase(java.util.Locale.ROOT), phase.label,
                    Map.of("p50_ms", values));
        }
        phaseCharts(parts, columns);
    }

    /**
     * Table 8b as stacked bars, one chart for the runtimes that start in milliseconds and one for those that take about
     * a second (one scale would flatten the first). A runtime that reports its clock shows its three parts after the
     * spawn; one that does not shows the spawn-to-answer time whole.
     */
    private static void phaseCharts(Report.Table parts, List<Series> columns) {
        List<Phase> stacked = List.of(Phase.BEFORE_DRIVER, Phase.SCRATCH, Phase.CGROUP, Phase.NETNS, Phase.LIMITS,
                Phase.SPAWN,
                Phase.TO_MAIN, Phase.TO_NEXT, Phase.TO_ANSWER, Phase.AFTER_SPAWN);
        for (boolean slow : new boolean[] {false, true}) {
            Map<String, List<Duration>> bars = new LinkedHashMap<>();
            for (Series s : columns) {
                if (s.bootstrap.slowToStart() != slow) {
                    continue;
                }
                boolean split = s.medianMs(Phase.TO_MAIN) >= 0;
                List<Duration> times = new ArrayList<>();
                for (Phase phase : stacked) {
                    boolean shown = phase != Phase.AFTER_SPAWN || !split;
                    double ms = shown ? s.medianMs(phase) : -1;
                    times.add(ms < 0 ? Duration.ZERO : Duration.ofNanos(Math.round(ms * 1e6)));
                }
                bars.put(s.target == null ? "bare " + s.bootstrap.id() : s.bootstrap.id() + ", " + s.target.memory(),
                        times);
            }
            if (bars.isEmpty()) {
                continue;
            }
            parts.chart("8b-cold-start-phases-" + (slow ? "slow" : "fast"), Charts.phases(
                    "8b. Where a cold start's time goes" + (slow ? " (runtimes that start in about a second)" : ""),
                    "median of each part over the samples of 8 (medians do not add up to the median total)",
                    stacked.stream().map(ColdStartBench::chartLabel).toList(), bars));
        }
    }

    /** A phase's name in a chart's legend: {@link Phase#label} is a table's sentence. */
    private static String chartLabel(Phase phase) {
        return switch (phase) {
            case BEFORE_DRIVER -> "invoke sent → sandbox start begins";
            case SCRATCH -> "scratch directory";
            case CGROUP -> "cgroup";
            case NETNS -> "network namespace + Runtime API listener";
            case LIMITS -> "limits written";
            case SPAWN -> "launcher spawned";
            case TO_MAIN -> "spawned → runtime's code runs";
            case TO_NEXT -> "→ first event in hand";
            case TO_ANSWER -> "→ answer back (bare: at the fake Runtime API)";
            case AFTER_SPAWN -> "spawned → answer (runtime reports no clock)";
            case TOTAL -> "total";
        };
    }

    private static void row(Report report, Report.Table table, Series s, Series baseline) {
        Latency latency = s.latency();
        Map<String, Object> extra = new LinkedHashMap<>();
        if (s.target != null) {
            extra.put("memory_mb", s.target.memoryMb());
        }
        report.latency(s.id, s.label, latency, extra);
        String label = baseline == null ? s.label : (s.bootstrap.reportsClock() ? "**" + s.label + "**" : s.label);
        if (baseline == null) {
            table.row(label, "— (no cap)", String.format("%,d", latency.count()), Format.millis(latency.p50Ms()),
                    Format.millis(latency.p99Ms()), Format.millis(latency.maxMs()), "—", "—", "—");
            return;
        }
        Latency base = baseline.latency();
        table.row(label, s.target.memory(), String.format("%,d", latency.count()), Format.millis(latency.p50Ms()),
                Format.millis(latency.p99Ms()), Format.millis(latency.maxMs()), Format.millis(base.p50Ms()),
                Format.millis(latency.p50Ms() - base.p50Ms()),
                Format.ratio(report.ratio(s.id, baseline.id, "p50", latency.p50Ms(), base.p50Ms())));
    }
}
