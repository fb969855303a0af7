package io.kindling.bench;

import io.kindling.counting.ScalingRate;
import io.kindling.events.EventQueueConfig;
import io.kindling.server.ChunkStoreConfig;
import io.kindling.server.KindlingServer;
import io.kindling.server.ServerConfig;
import io.kindling.server.WorkerConfig;
import io.kindling.worker.sandbox.BubblewrapConfig;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.GetProvisionedConcurrencyConfigResponse;
import software.amazon.awssdk.services.lambda.model.ProvisionedConcurrencyStatusEnum;

/**
 * Figure 12: density. How fast Kindling makes new sandboxes, what an idle one costs, and whether 1,000 idle ones fit,
 * against the architecture's budgets (≥ 100 new sandboxes/s sustained; an idle sandbox ≤ its runtime's own RSS +
 * 1 MiB). One server with {@code --auth none}, its own sandbox names ({@value #PREFIX}), an account concurrency of
 * {@value #ACCOUNT_CONCURRENCY} (Lambda's 1,000 leaves at most 900 to provisioned concurrency: the unreserved minimum
 * is 100) and a sandbox memory cap of 1 TiB (a sum of MemorySize for admission, not real memory; 1,000 × 128 MB is
 * 125,000 MB).
 *
 * <ol>
 *   <li>13a. Sandboxes per second: a {@code provided} C runtime that answers one event and exits
 *       ({@link ProvidedBootstraps#compiledOneShot}), invoked open-loop at fixed rates, so every invoke needs a new
 *       environment. Latency from each request's intended send time (coordinated omission counted), callers on
 *       virtual threads. Baseline: the same executable spawned bare by this JVM at the same rate against
 *       {@link ManyRuntimesApi}.</li>
 *   <li>13b. Idle sandbox memory: the cgroup's charge of one idle C and one idle java21 sandbox beside the same
 *       runtime's VmRSS run bare, idle after one event.</li>
 *   <li>13c. 1,000 idle sandboxes (50 with {@code --quick}) through provisioned concurrency: the ramp's rate, the
 *       host's and the server's memory with them alive, a few warm invokes, and the teardown.</li>
 * </ol>
 */
final class DensityBench {
    static final String PREFIX = "kbench-dens";
    static final int ACCOUNT_CONCURRENCY = 2000;
    private static final long SANDBOX_MEMORY_BYTES = 1L << 40;
    /** Most invokes outstanding at once in the open loop; beyond that a send waits (and its latency counts it). */
    private static final int MAX_OUTSTANDING = 1000;
    private static final double RATE_BUDGET = 100;
    private static final long IDLE_BUDGET_BYTES = 1L << 20;
    private static final int IDLE_C_MB = InvokeTarget.SMALLEST_MB;
    private static final int IDLE_JAVA_MB = InvokeTarget.FULL_CORE_MB;
    private static final int PROVISIONED_MB = InvokeTarget.SMALLEST_MB;
    /** Provisioned concurrency is raised this many at a time, each step waited for until READY. */
    private static final int RAMP_STEP = 25;
    private static final Path MEMORY_CGROUP = Path.of("/sys/fs/cgroup/memory");
    private static final Path PIDS_CGROUP = Path.of("/sys/fs/cgroup/pids");

    private final BenchSettings settings;
    private final Path workDir;
    private final Path credentials;

    DensityBench(BenchSettings settings, Path workDir, Path credentials) {
        this.settings = settings;
        this.workDir = workDir;
        this.credentials = credentials;
    }

    /** The open loop's rates; {@code -Dkindling.bench.density.rates=10,20} overrides them for exploring. */
    private int[] rates() {
        String override = System.getProperty("kindling.bench.density.rates");
        if (override != null) {
            return java.util.Arrays.stream(override.split(",")).mapToInt(r -> Integer.parseInt(r.strip())).toArray();
        }
        return settings.quick() ? new int[] {10} : new int[] {10, 25, 50, 100, 150};
    }

    private Duration rateLength() {
        return Duration.ofSeconds(Long.getLong("kindling.bench.density.seconds", settings.quick() ? 5 : 30));
    }

    /** Which parts run: {@code rate}, {@code idle}, {@code many}; all unless {@code -Dkindling.bench.density.parts}. */
    private static boolean part(String name) {
        String parts = System.getProperty("kindling.bench.density.parts");
        return parts == null || java.util.Arrays.asList(parts.split(",")).contains(name);
    }

    private Duration bareRateLength() {
        return settings.quick() ? Duration.ofSeconds(5) : Duration.ofSeconds(10);
    }

    private int idleSandboxes() {
        return settings.quick() ? 50 : 1000;
    }

    void run(Report report) throws Exception {
        Path serverDirs = InvokeBench.sandboxReachableDir("kindling-bench-density-");
        try {
            run(report, serverDirs);
        } finally {
            ControlPlaneBench.deleteRecursively(serverDirs);
        }
    }

    private void run(Report report, Path serverDirs) throws Exception {
        Path runtimes = workDir.resolve("density-runtimes");
        ProvidedBootstraps.Bootstrap oneShot;
        ProvidedBootstraps.Bootstrap keepAlive;
        try {
            oneShot = ProvidedBootstraps.compiledOneShot(runtimes);
            keepAlive = ProvidedBootstraps.compiled(runtimes);
        } catch (IOException e) {
            skipped(report, "no C runtime: " + e.getMessage());
            return;
        }
        ProvidedBootstraps.Bootstrap java = null;
        String withoutJava = null;
        try {
            java = JavaEcho.compiled(runtimes);
        } catch (IOException e) {
            withoutJava = e.getMessage();
            RoundTripBench.progress("density: no Java rows: " + withoutJava);
        }
        WorkerConfig worker = WorkerConfig.defaults().withNamePrefix(PREFIX).withSandboxMemoryBytes(SANDBOX_MEMORY_BYTES);
        ServerConfig config = new ServerConfig(serverDirs.resolve("density"), "127.0.0.1", 0, KindlingUnderTest.REGION,
                KindlingUnderTest.ACCOUNT, ServerConfig.Auth.NONE, Optional.of(credentials), ACCOUNT_CONCURRENCY, worker,
                ScalingRate.LAMBDA, EventQueueConfig.defaults(), ChunkStoreConfig.defaults());
        try (SandboxStartLog startLog = new SandboxStartLog();
                KindlingServer server = KindlingServer.start(config)) {
            InvokeTarget oneShotTarget = new InvokeTarget(oneShot, InvokeTarget.FULL_CORE_MB, "dens-oneshot",
                    server.endpoint());
            InvokeBench.deploy(server, List.of(oneShotTarget));
            String unavailable = InvokeBench.probe(oneShotTarget);
            if (unavailable != null) {
                skipped(report, unavailable);
                return;
            }
            if (part("rate")) {
                new SandboxRate(oneShotTarget, startLog).run(report);
            }
            if (part("idle")) {
                InvokeTarget idleC = new InvokeTarget(keepAlive, IDLE_C_MB, "dens-idle-c", server.endpoint());
                InvokeBench.deploy(server, List.of(idleC));
                idleMemory(report, server, idleC, java, withoutJava);
            }
            if (part("many")) {
                new ManyIdle(server, keepAlive).run(report);
            }
        } finally {
            awaitNoSandboxes(Duration.ofSeconds(60), true);
        }
    }

    private static void skipped(Report report, String why) {
        RoundTripBench.progress("density: skipped: " + why);
        report.runFact("density_skipped", why);
        report.table("13. Density", "Not measured: Kindling cannot run sandboxes here (they need root, bubblewrap and "
                + "cgroups). " + why, "figure", "value").row("—", "—");
    }

    // ---------------------------------------------------------------- 13a

    /** Figure 13a: new sandboxes per second, sustained, open loop. */
    private final class SandboxRate {
        private final InvokeTarget target;
        private final ProvidedBootstraps.Bootstrap oneShot;
        private final SandboxStartLog startLog;

        SandboxRate(InvokeTarget target, SandboxStartLog startLog) {
            this.target = target;
            this.oneShot = target.bootstrap();
            this.startLog = startLog;
        }

        /** One open-loop run: what was sent, what came back and when. */
        private record Outcome(int rate, long sent, long completed, long errors, Map<String, Long> errorKinds,
                               Latency latency, double achievedPerSecond, double spanSeconds, long sandboxesStarted,
                               double cpuPressure, double driverP50Ms, double driverP99Ms, long unanswered,
                               Cpu cpu) {
            Outcome withDriver(long started, double p50, double p99) {
                return new Outcome(rate, sent, completed, errors, errorKinds, latency, achievedPerSecond, spanSeconds,
                        started, cpuPressure, p50, p99, unanswered, cpu);
            }

            /** Sustained: every request answered, none failed, at (nearly) the target rate. */
            boolean sustained() {
                return errors == 0 && unanswered == 0 && achievedPerSecond >= rate * 0.98;
            }
        }

        void run(Report report) throws Exception {
            byte[] event = WarmInvokeBench.event();
            // A check that the runtime really leaves: two invokes, two sandbox starts.
            startLog.drain();
            for (int i = 0; i < 2; i++) {
                String failed = InvokeBench.probe(target);
                if (failed != null) {
                    throw new IllegalStateException(target.function() + ": " + failed);
                }
            }
            int starts = startLog.drain().size();
            if (starts != 2) {
                throw new IllegalStateException("two invokes of the one-shot runtime made " + starts + " sandbox starts");
            }
            awaitNoSandboxes(Duration.ofSeconds(30), false);
            List<Outcome> kindling = new ArrayList<>();
            List<Outcome> bare = new ArrayList<>();
            List<Integer> skipped = new ArrayList<>();
            for (int rate : rates()) {
                if (!kindling.isEmpty() && kindling.getLast().achievedPerSecond() < kindling.getLast().rate() * 0.5) {
                    skipped.add(rate);
                    continue;
                }
                RoundTripBench.progress("density: bare one-shot runtime spawned at " + rate + "/s for "
                        + bareRateLength().toSeconds() + " s");
                bare.add(bareRate(rate, bareRateLength(), event));
                RoundTripBench.progress("density: one-shot invokes at " + rate + "/s for " + rateLength().toSeconds() + " s");
                startLog.drain();
                kindling.add(invokeRate(target, rate, rateLength(), event));
                // Invokes left behind still run on the server; the next rate starts when they are done.
                awaitNoSandboxes(Duration.ofMinutes(5), true);
                startLog.drain();
            }
            render(report, kindling, bare, skipped);
        }

        private Outcome invokeRate(InvokeTarget target, int rate, Duration length, byte[] event) throws Exception {
            String url = target.invokeUrl();
            CpuPressure pressure = CpuPressure.start();
            Outcome outcome = openLoop(rate, length, () -> {
                KeepAliveHttpPost.Answer answer = new KeepAliveHttpPost(url, event, "application/json").exchange();
                if (answer.status() != 200 || answer.functionError() != null) {
                    return answer.status() + (answer.functionError() == null ? "" : " " + answer.functionError()) + ": "
                            + firstLine(answer.bodyText());
                }
                return java.util.Arrays.equals(answer.body(), event) ? null : "200 but not the event: "
                        + firstLine(answer.bodyText());
            }, pressure);
            List<SandboxStartLog.Start> starts = startLog.drain();
            Histogram driver = Latency.newHistogram();
            starts.forEach(start -> driver.recordValue(start.totalMicros() * 1000));
            return outcome.withDriver(starts.size(), starts.isEmpty() ? -1 : driver.getValueAtPercentile(50) / 1e6,
                    starts.isEmpty() ? -1 : driver.getValueAtPercentile(99) / 1e6);
        }

        private Outcome bareRate(int rate, Duration length, byte[] event) throws Exception {
            Path tmp = Files.createDirectories(workDir.resolve("density-bare-tmp"));
            ProvidedBootstraps.Bare command = oneShot.bare();
            CpuPressure pressure = CpuPressure.start();
            try (ManyRuntimesApi api = new ManyRuntimesApi(event, Long.MAX_VALUE)) {
                Outcome outcome = openLoop(rate, length, () -> {
                    Process process = spawn(command, api.address(), tmp);
                    if (!process.waitFor(60, TimeUnit.SECONDS)) {
                        process.destroyForcibly();
                        process.waitFor();
                        return "still running after 60 s";
                    }
                    return process.exitValue() == 0 ? null : "exit status " + process.exitValue();
                }, pressure);
                long responses = api.responses();
                if (responses != outcome.completed()) {
                    RoundTripBench.progress("density: bare runs: " + outcome.completed() + " exited 0, " + responses
                            + " responses at the fake API");
                }
                return outcome.withDriver(outcome.completed(), -1, -1);
            }
        }

        private void render(Report report, List<Outcome> kindling, List<Outcome> bare, List<Integer> skipped) {
            Report.Table table = report.table("13a. New sandboxes per second, sustained",
                    "A `provided.al2023` function at 1,769 MB (one full core: the CPU cap does not slow the start) whose C "
                            + "runtime (`bootstrap.c` built with `-DONE_SHOT`) answers ONE event and exits, so every invoke "
                            + "needs a new environment: the server sees the runtime exit after its response, tears the "
                            + "sandbox down and cold-starts the next invoke in a new one (checked before measuring: two "
                            + "invokes, two sandbox starts; and per run: the sandbox starts the driver logged). Open loop: "
                            + "the 1 KB event sent at a fixed rate for " + rateLength().toSeconds() + " s, each request on a "
                            + "virtual thread of its own (at most " + MAX_OUTSTANDING + " outstanding), latency from its "
                            + "intended send time to its whole answer (HdrHistogram; a late send counts its wait, so "
                            + "coordinated omission is not hidden). Achieved = answered invokes ÷ (first intended send → "
                            + "last answer). Baseline: the same executable spawned directly by this JVM (ProcessBuilder, no "
                            + "sandbox) at the same rate for " + bareRateLength().toSeconds() + " s against a bare Runtime API "
                            + "that hands every `/next` an event, latency from the intended spawn to the process's exit "
                            + "(right after its response was accepted). The driver's set-up: scratch, cgroup, network "
                            + "namespace and spawn, from its own log line (as in 8b). Server: account concurrency "
                            + String.format(Locale.ROOT, "%,d", ACCOUNT_CONCURRENCY) + ", Lambda's scaling rate (1,000 per "
                            + "10 s above the recent peak, far above what is in flight here), sandbox memory cap 1 TiB "
                            + "(admission only).",
                    "path", "target rate", "sent", "answered", "errors", "unanswered", "sandboxes started", "achieved",
                    "p50", "p99", "max", "driver's set-up p50 / p99", "CPU per start: JVM / children", "CPU pressure");
            for (int i = 0; i < kindling.size(); i++) {
                row(report, table, bare.get(i), true);
                row(report, table, kindling.get(i), false);
            }
            Outcome best = kindling.stream().filter(Outcome::sustained)
                    .max((a, b) -> Double.compare(a.achievedPerSecond(), b.achievedPerSecond())).orElse(null);
            double sustained = best == null ? 0 : best.achievedPerSecond();
            boolean met = kindling.stream().anyMatch(o -> o.sustained() && o.rate() >= RATE_BUDGET);
            Outcome fastest = kindling.stream().max((a, b) -> Double.compare(a.achievedPerSecond(),
                    b.achievedPerSecond())).orElse(null);
            table.note("Budget (architecture): ≥ " + (int) RATE_BUDGET + " new sandboxes/s sustained for 30 s (anchor: "
                    + "Firecracker, 5 microVMs per core per second, i.e. 10/s on this 2-core machine). Highest rate "
                    + "sustained here (every invoke answered, none failed, ≥ 98% of the target): "
                    + (best == null ? "none" : Format.perSecond(sustained) + " at a target of " + best.rate() + "/s")
                    + (fastest == null ? "" : "; most answered per second at any rate: "
                            + Format.perSecond(fastest.achievedPerSecond()))
                    + (settings.quick() ? " (--quick: one rate for " + rateLength().toSeconds() + " s, no verdict)."
                            : met ? ": **met**." : ": **missed**."));
            table.note("Unanswered: still outstanding " + grace().toSeconds() + " s after the last send; the open loop "
                    + "then stops waiting, so they are in no latency column (p99 and max understate such a run). "
                    + "CPU per start: CPU time of this JVM (the server and the benchmark's own client) and of its reaped "
                    + "children (launchers, bwrap, runtimes) over the run (/proc/self/stat), divided by the sandboxes "
                    + "started (bare: the processes spawned); the kernel's own work (namespace teardown in kworkers) "
                    + "is in neither.");
            if (!skipped.isEmpty()) {
                table.note("Not run: " + skipped.stream().map(r -> r + "/s").collect(java.util.stream.Collectors.joining(
                        ", ")) + ", as the rate before answered less than half its target.");
            }
            for (Outcome o : kindling) {
                if (!o.errorKinds().isEmpty()) {
                    table.note("Errors at " + o.rate() + "/s: " + o.errorKinds() + ".");
                }
            }
            report.figure("density.rate.budget", "new sandboxes per second, best error-free achieved rate",
                    Map.of("value_per_s", sustained, "budget_per_s", RATE_BUDGET, "met", met, "quick", settings.quick()));
        }

        private void row(Report report, Report.Table table, Outcome o, boolean isBare) {
            String id = "density.rate." + (isBare ? "bare" : "kindling") + ".r" + o.rate();
            String label = isBare ? "bare one-shot C spawned by this JVM (baseline)" : "**Kindling Invoke**, one-shot C, "
                    + "new sandbox each";
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("target_per_s", o.rate());
            extra.put("sent", o.sent());
            extra.put("answered", o.completed());
            extra.put("errors", o.errors());
            extra.put("sandboxes_started", o.sandboxesStarted());
            extra.put("achieved_per_s", o.achievedPerSecond());
            extra.put("span_s", o.spanSeconds());
            extra.put("cpu_pressure_pct", o.cpuPressure());
            extra.put("unanswered", o.unanswered());
            extra.put("sustained", o.sustained());
            extra.put("cpu_jvm_ms", o.cpu().selfMs());
            extra.put("cpu_children_ms", o.cpu().childrenMs());
            if (o.driverP50Ms() >= 0) {
                extra.put("driver_setup_p50_ms", o.driverP50Ms());
                extra.put("driver_setup_p99_ms", o.driverP99Ms());
            }
            if (o.latency() != null) {
                report.latency(id, label, o.latency(), extra);
            } else {
                report.figure(id, label, extra);
            }
            table.row(label, Format.perSecond(o.rate()), String.format("%,d", o.sent()), String.format("%,d", o.completed()),
                    String.format("%,d", o.errors()), String.format("%,d", o.unanswered()),
                    isBare ? "—" : String.format("%,d", o.sandboxesStarted()),
                    Format.perSecond(o.achievedPerSecond()),
                    o.latency() == null ? "—" : Format.millis(o.latency().p50Ms()),
                    o.latency() == null ? "—" : Format.millis(o.latency().p99Ms()),
                    o.latency() == null ? "—" : Format.millis(o.latency().maxMs()),
                    o.driverP50Ms() < 0 ? "—" : Format.millis(o.driverP50Ms()) + " / " + Format.millis(o.driverP99Ms()),
                    o.sandboxesStarted() == 0 ? "—" : Format.millis(o.cpu().selfMs() / o.sandboxesStarted()) + " / "
                            + Format.millis(o.cpu().childrenMs() / o.sandboxesStarted()),
                    CpuPressure.describe(o.cpuPressure()));
        }
    }

    /** One request of an open loop: null when it succeeded, else what went wrong (counted by kind). */
    @FunctionalInterface
    private interface Request {
        String send() throws Exception;
    }

    /**
     * Sends {@code rate} requests a second for {@code length}, each at its intended time on a virtual thread of its own,
     * and measures each from that intended time to its end.
     */
    private SandboxRate.Outcome openLoop(int rate, Duration length, Request request, CpuPressure pressure)
            throws InterruptedException {
        long total = (long) rate * length.toSeconds();
        long period = 1_000_000_000L / rate;
        Histogram latency = new ConcurrentHistogram(TimeUnit.MINUTES.toNanos(2), 3);
        AtomicLong completed = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        Map<String, Long> kinds = new ConcurrentHashMap<>();
        LongAccumulator lastEnd = new LongAccumulator(Math::max, Long.MIN_VALUE);
        Semaphore outstanding = new Semaphore(MAX_OUTSTANDING);
        Cpu cpuBefore = Cpu.now();
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
        long sent = 0;
        ExecutorService callers = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("density-", 0).factory());
        try {
            for (long i = 0; i < total; i++) {
                long intended = start + i * period;
                for (long wait = intended - System.nanoTime(); wait > 0; wait = intended - System.nanoTime()) {
                    LockSupport.parkNanos(wait);
                }
                outstanding.acquire();
                sent++;
                callers.execute(() -> {
                    try {
                        String failure;
                        try {
                            failure = request.send();
                        } catch (Exception e) {
                            failure = e.getClass().getSimpleName() + ": " + firstLine(String.valueOf(e.getMessage()));
                        }
                        long end = System.nanoTime();
                        if (failure == null) {
                            latency.recordValue(Math.min(end - intended, latency.getHighestTrackableValue()));
                            completed.incrementAndGet();
                            lastEnd.accumulate(end);
                        } else {
                            errors.incrementAndGet();
                            String kind = failure.replaceAll("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "…");
                            kinds.merge(kind.length() > 200 ? kind.substring(0, 200) : kind, 1L, Long::sum);
                        }
                    } finally {
                        outstanding.release();
                    }
                });
            }
            // What is not answered within the grace after the last send is left behind and counted as unanswered.
            long giveUp = System.nanoTime() + grace().toNanos();
            while (outstanding.availablePermits() < MAX_OUTSTANDING && System.nanoTime() < giveUp) {
                Thread.sleep(20);
            }
        } finally {
            callers.shutdownNow();
        }
        long answeredOrFailed = completed.get() + errors.get();
        Cpu cpu = Cpu.now().minus(cpuBefore);
        double span = (lastEnd.get() == Long.MIN_VALUE ? System.nanoTime() : lastEnd.get()) - start;
        return new SandboxRate.Outcome(rate, sent, completed.get(), errors.get(), Map.copyOf(kinds),
                latency.getTotalCount() == 0 ? null : Latency.of(latency), completed.get() / (span / 1e9), span / 1e9,
                0, pressure.percentSinceStart(), -1, -1, Math.max(0, sent - answeredOrFailed), cpu);
    }

    /** How long the open loop waits after its last send for the answers still outstanding. */
    private Duration grace() {
        return settings.quick() ? Duration.ofSeconds(15) : Duration.ofSeconds(30);
    }

    /**
     * CPU time from /proc/self/stat, milliseconds: this JVM's own (the server and the benchmark's client, which share
     * it) and its reaped children's (the launchers, bwrap and the runtimes: each is waited for by its parent).
     */
    record Cpu(double selfMs, double childrenMs) {
        static Cpu now() {
            try {
                String stat = Files.readString(Path.of("/proc/self/stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                // After the command: state is field 3; utime 14, stime 15, cutime 16, cstime 17 (1-based).
                double tick = 1000.0 / 100;
                return new Cpu((Long.parseLong(f[11]) + Long.parseLong(f[12])) * tick,
                        (Long.parseLong(f[13]) + Long.parseLong(f[14])) * tick);
            } catch (IOException | RuntimeException e) {
                return new Cpu(0, 0);
            }
        }

        Cpu minus(Cpu earlier) {
            return new Cpu(selfMs - earlier.selfMs, childrenMs - earlier.childrenMs);
        }
    }

    private static String firstLine(String text) {
        String line = text.strip().lines().findFirst().orElse("");
        return line.length() > 240 ? line.substring(0, 240) + "…" : line;
    }

    /** The bare runtime as {@link ColdStartBench#bareStart} starts it, against {@code api}. */
    private static Process spawn(ProvidedBootstraps.Bare command, String api, Path tmp) throws IOException {
        return ColdStartBench.bareProcess(command, api, tmp).start();
    }

    // ---------------------------------------------------------------- 13b

    /** A sandbox's memory cgroup (v1) as read once. */
    private record CgroupMemory(String id, long usage, long rss, long cache, long mappedFile, long kmem, long processRss,
                                int processes) {}

    private void idleMemory(Report report, KindlingServer server, InvokeTarget c, ProvidedBootstraps.Bootstrap java,
                            String withoutJava) throws Exception {
        RoundTripBench.progress("density: idle sandbox memory");
        Report.Table table = report.table("13b. Memory of one idle sandbox beside its runtime run bare",
                "One sandbox of the function alive, idle after answering one 1 KB event (" + IDLE_SETTLE.toMillis()
                        + " ms after it; frozen after 1 s idle by default, which does not change its memory), read from "
                        + "its cgroup v1 (`memory/" + PREFIX + "/<id>`): `memory.usage_in_bytes` (everything charged to it: "
                        + "anonymous memory, page cache it brought in, and kernel memory such as its namespaces' and "
                        + "sockets' where kmem is accounted), `memory.stat` rss and cache, `memory.kmem.usage_in_bytes`, "
                        + "and the VmRSS of the processes in it (bwrap's and the runtime's) from /proc. Baseline: the same "
                        + "runtime spawned bare by this JVM against a bare Runtime API that hands it one event and then "
                        + "holds its next `/next`, as a warm Runtime API does; its VmRSS (and its children's) "
                        + IDLE_SETTLE.toMillis() + " ms after its response. C at " + IDLE_C_MB + " MB, java21 at "
                        + String.format(Locale.ROOT, "%,d", IDLE_JAVA_MB) + " MB (the JVM sizes its heap from the cgroup's "
                        + "limit; bare, from the host's memory, and with the same command).",
                "runtime", "cgroup usage", "rss", "cache", "kmem", "VmRSS of its processes", "processes",
                "bare runtime VmRSS", "usage − bare", "budget (bare + 1 MiB)", "verdict");
        idleRow(report, table, server, c);
        if (java != null) {
            InvokeTarget javaTarget = new InvokeTarget(java, IDLE_JAVA_MB, "dens-idle-java", server.endpoint());
            InvokeBench.deploy(server, List.of(javaTarget));
            idleRow(report, table, server, javaTarget);
        } else {
            table.note("No java row: " + withoutJava);
        }
        table.note("Budget (architecture): an idle sandbox ≤ its runtime's own RSS + 1 MiB (anchor: Firecracker, ≤ 5 MiB "
                + "of VMM overhead per microVM). The verdict reads `memory.usage_in_bytes`, the cgroup's whole charge.");
    }

    private static final Duration IDLE_SETTLE = Duration.ofMillis(1500);

    private void idleRow(Report report, Report.Table table, KindlingServer server, InvokeTarget target) throws Exception {
        awaitNoSandboxes(Duration.ofSeconds(60), false);
        String failed = InvokeBench.probe(target);
        if (failed != null) {
            throw new IllegalStateException(target.function() + ": " + failed);
        }
        Thread.sleep(IDLE_SETTLE.toMillis());
        List<String> ids = sandboxIds();
        if (ids.size() != 1) {
            throw new IllegalStateException("expected one sandbox of " + target.function() + ", found " + ids);
        }
        CgroupMemory sandbox = cgroupMemory(ids.getFirst());
        long bare = bareIdleRss(target.bootstrap());
        // Retire it: the next row's (or section's) count must start from none.
        try (LambdaClient lambda = client(server.endpoint())) {
            lambda.deleteFunction(r -> r.functionName(target.function()));
        }
        long budget = bare + IDLE_BUDGET_BYTES;
        boolean met = sandbox.usage() <= budget;
        String id = "density.idle." + target.bootstrap().id();
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("memory_mb", target.memoryMb());
        values.put("cgroup_usage_bytes", sandbox.usage());
        values.put("cgroup_rss_bytes", sandbox.rss());
        values.put("cgroup_cache_bytes", sandbox.cache());
        values.put("cgroup_mapped_file_bytes", sandbox.mappedFile());
        values.put("cgroup_kmem_bytes", sandbox.kmem());
        values.put("processes_vmrss_bytes", sandbox.processRss());
        values.put("processes", sandbox.processes());
        values.put("bare_vmrss_bytes", bare);
        values.put("budget_bytes", budget);
        values.put("met", met);
        report.figure(id, "idle sandbox memory, " + target.bootstrap().label(), values);
        String verdict = met ? "met, " + mib(budget - sandbox.usage()) + " to spare"
                : "**missed** by " + mib(sandbox.usage() - budget);
        table.row(target.bootstrap().label() + ", " + target.memory(), mib(sandbox.usage()), mib(sandbox.rss()),
                mib(sandbox.cache()), mib(sandbox.kmem()), mib(sandbox.processRss()), Integer.toString(sandbox.processes()),
                mib(bare), mib(sandbox.usage() - bare), mib(budget), verdict);
    }

    /** VmRSS of the bare runtime (and its descendants) idle after one event, in bytes. */
    private long bareIdleRss(ProvidedBootstraps.Bootstrap bootstrap) throws Exception {
        Path tmp = Files.createDirectories(workDir.resolve("density-bare-tmp"));
        try (ManyRuntimesApi api = new ManyRuntimesApi(WarmInvokeBench.event(), 1)) {
            Process process = spawn(bootstrap.bare(), api.address(), tmp);
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (api.responses() < 1) {
                    if (!process.isAlive() || System.nanoTime() > deadline) {
                        throw new IllegalStateException("bare " + bootstrap.id() + " did not answer its event");
                    }
                    Thread.sleep(5);
                }
                Thread.sleep(IDLE_SETTLE.toMillis());
                long rss = vmRss(process.pid());
                for (ProcessHandle child : process.descendants().toList()) {
                    rss += vmRss(child.pid());
                }
                return rss;
            } finally {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor();
            }
        }
    }

    /** VmRSS from /proc/PID/status in bytes; 0 when the process is gone or a kernel thread. */
    private static long vmRss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring(6).strip().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // Gone meanwhile.
        }
        return 0;
    }

    private static CgroupMemory cgroupMemory(String id) throws IOException {
        Path dir = MEMORY_CGROUP.resolve(PREFIX).resolve(id);
        Map<String, Long> stat = new LinkedHashMap<>();
        for (String line : Files.readAllLines(dir.resolve("memory.stat"))) {
            String[] parts = line.split(" ");
            if (parts.length == 2) {
                stat.put(parts[0], Long.parseLong(parts[1]));
            }
        }
        long processRss = 0;
        int processes = 0;
        for (long pid : pids(dir)) {
            processRss += vmRss(pid);
            processes++;
        }
        return new CgroupMemory(id, readLong(dir.resolve("memory.usage_in_bytes")), stat.getOrDefault("rss", 0L),
                stat.getOrDefault("cache", 0L), stat.getOrDefault("mapped_file", 0L),
                readLong(dir.resolve("memory.kmem.usage_in_bytes")), processRss, processes);
    }

    private static List<Long> pids(Path cgroupDir) throws IOException {
        List<Long> pids = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(cgroupDir.resolve("cgroup.procs"))) {
                if (!line.isBlank()) {
                    pids.add(Long.parseLong(line.strip()));
                }
            }
        } catch (NoSuchFileException e) {
            // Torn down meanwhile.
        }
        return pids;
    }

    private static long readLong(Path file) {
        try {
            return Long.parseLong(Files.readString(file).strip());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    // ---------------------------------------------------------------- 13c

    /** Figure 13c: many idle sandboxes alive at once through provisioned concurrency. */
    private final class ManyIdle {
        private static final String FUNCTION = "dens-provisioned";
        private final KindlingServer server;
        private final ProvidedBootstraps.Bootstrap keepAlive;

        ManyIdle(KindlingServer server, ProvidedBootstraps.Bootstrap keepAlive) {
            this.server = server;
            this.keepAlive = keepAlive;
        }

        /** The host and this JVM at one moment. */
        private record Snapshot(int sandboxes, int processes, long cgroupUsage, long cgroupRss, long memAvailable,
                                long heapAfterGc, int jvmThreads, int jvmFds, int netns, int hostTasks) {}

        void run(Report report) throws Exception {
            int count = idleSandboxes();
            awaitNoSandboxes(Duration.ofSeconds(60), false);
            InvokeTarget target = new InvokeTarget(keepAlive, PROVISIONED_MB, FUNCTION, server.endpoint());
            InvokeBench.deploy(server, List.of(target));
            Snapshot before = snapshot();
            long rampStart;
            long rampEnd = -1;
            String failure = null;
            GetProvisionedConcurrencyConfigResponse last = null;
            Snapshot with;
            List<String> limits = new ArrayList<>();
            Histogram warm = Latency.newHistogram();
            int warmErrors = 0;
            Duration teardown;
            int peakSandboxes = 0;
            int pollErrors = 0;
            List<String> failedSteps = new ArrayList<>();
            try (LambdaClient lambda = client(server.endpoint())) {
                String version = lambda.publishVersion(r -> r.functionName(FUNCTION)).version();
                RoundTripBench.progress("density: provisioning " + count + " environments of " + FUNCTION + ":" + version);
                rampStart = System.nanoTime();
                // In steps: one PutProvisionedConcurrencyConfig of all of them makes the pool start every environment
                // at once, and on 2 cores with 7% of a core each their inits pass the 10 s init timeout (seen: FAILED,
                // "init did not finish within 10 seconds", with 1,000 at once).
                int step = Math.min(count, RAMP_STEP);
                long deadline = rampStart + TimeUnit.MINUTES.toNanos(settings.quick() ? 3 : 15);
                long lastProgress = rampStart;
                int asked = 0;
                ramp:
                while (asked < count) {
                    asked = Math.min(count, asked + step);
                    int ask = asked;
                    lambda.putProvisionedConcurrencyConfig(r -> r.functionName(FUNCTION).qualifier(version)
                            .provisionedConcurrentExecutions(ask));
                    while (true) {
                        try {
                            last = lambda.getProvisionedConcurrencyConfig(r -> r.functionName(FUNCTION).qualifier(version));
                        } catch (software.amazon.awssdk.core.exception.SdkClientException e) {
                            // A keep-alive connection the server had closed (retries are off); counted, asked again.
                            if (++pollErrors > 20) {
                                throw e;
                            }
                            RoundTripBench.progress("density: polling failed (" + e.getMessage() + "), again");
                            Thread.sleep(500);
                            continue;
                        }
                        peakSandboxes = Math.max(peakSandboxes, sandboxIds().size());
                        if (last.status() == ProvisionedConcurrencyStatusEnum.READY
                                && last.allocatedProvisionedConcurrentExecutions() >= ask) {
                            break;
                        }
                        if (last.status() == ProvisionedConcurrencyStatusEnum.FAILED) {
                            // The pool retries a failed start after a back-off (1 s, doubling); the config stays
                            // FAILED until then. Counted once per step, waited out until the deadline.
                            String reason = "step to " + ask + ": " + last.statusReason();
                            if (!failedSteps.contains(reason)) {
                                failedSteps.add(reason);
                                RoundTripBench.progress("density: FAILED with " + last.allocatedProvisionedConcurrentExecutions()
                                        + " allocated at the " + reason + "; waiting for the pool's retry");
                            }
                        }
                        if (System.nanoTime() > deadline) {
                            failure = "still " + last.status() + " after " + TimeUnit.NANOSECONDS.toSeconds(deadline - rampStart)
                                    + " s with " + last.allocatedProvisionedConcurrentExecutions() + " of " + ask
                                    + " allocated" + (last.statusReason() == null ? "" : ": " + last.statusReason());
                            break ramp;
                        }
                        if (System.nanoTime() - lastProgress > TimeUnit.SECONDS.toNanos(5)) {
                            lastProgress = System.nanoTime();
                            RoundTripBench.progress("density: " + last.allocatedProvisionedConcurrentExecutions() + " of "
                                    + ask + " (of " + count + ") ready, " + sandboxIds().size() + " sandboxes");
                        }
                        Thread.sleep(100);
                    }
                }
                if (failure == null) {
                    rampEnd = System.nanoTime();
                }
                if (failure != null) {
                    RoundTripBench.progress("density: provisioning did not finish: " + failure);
                    limits.addAll(limitsNow());
                }
                Thread.sleep(IDLE_SETTLE.toMillis());
                with = snapshot();
                RoundTripBench.progress("density: " + with.sandboxes() + " sandboxes alive; warm invokes");
                KeepAliveHttpPost post = new KeepAliveHttpPost(target.invokeUrl() + "?Qualifier=" + version,
                        WarmInvokeBench.event(), "application/json");
                for (int i = 0; i < 20; i++) {
                    long sent = System.nanoTime();
                    KeepAliveHttpPost.Answer answer = post.exchange();
                    long took = System.nanoTime() - sent;
                    if (answer.status() == 200 && answer.functionError() == null) {
                        warm.recordValue(took);
                    } else {
                        warmErrors++;
                    }
                }
                RoundTripBench.progress("density: tearing down the provisioned environments");
                long teardownStart = System.nanoTime();
                lambda.deleteProvisionedConcurrencyConfig(r -> r.functionName(FUNCTION).qualifier(version));
                awaitNoSandboxes(Duration.ofMinutes(5), false);
                teardown = Duration.ofNanos(System.nanoTime() - teardownStart);
                lambda.deleteFunction(r -> r.functionName(FUNCTION));
            }
            Snapshot after = snapshot();
            render(report, count, before, with, after, rampStart, rampEnd, failure, last, warm, warmErrors, teardown,
                    peakSandboxes, limits, pollErrors, failedSteps);
        }

        private void render(Report report, int count, Snapshot before, Snapshot with, Snapshot after, long rampStart,
                            long rampEnd, String failure, GetProvisionedConcurrencyConfigResponse last, Histogram warm,
                            int warmErrors, Duration teardown, int peakSandboxes, List<String> limits,
                            int pollErrors, List<String> failedSteps) {
            double rampSeconds = rampEnd < 0 ? -1 : (rampEnd - rampStart) / 1e9;
            Report.Table table = report.table("13c. " + String.format(Locale.ROOT, "%,d", count)
                            + " idle sandboxes alive at once",
                    "PutProvisionedConcurrencyConfig up to " + String.format(Locale.ROOT, "%,d", count) + " on version 1 "
                            + "of a `provided.al2023` function at " + PROVISIONED_MB + " MB (the keep-alive C runtime; 7% of a "
                            + "core each), raised " + Math.min(count, RAMP_STEP) + " at a time, each step polled with "
                            + "GetProvisionedConcurrencyConfig every 100 ms until READY (all at once, the pool starts every "
                            + "environment together and their inits pass the 10 s init timeout on 2 cores; a FAILED step is "
                            + "waited out: the pool retries after a back-off); then "
                            + IDLE_SETTLE.toMillis() + " ms idle, the counts and memory read, 20 sequential warm invokes of "
                            + "the version, and DeleteProvisionedConcurrencyConfig until every sandbox of the server is "
                            + "gone. Sandboxes = cgroups under `memory/" + PREFIX + "`; processes = their cgroup.procs; "
                            + "cgroup memory = the sum of their `memory.usage_in_bytes` (rss from memory.stat); heap = "
                            + "this JVM's (the server runs in it) used heap after System.gc(); MemAvailable from "
                            + "/proc/meminfo. Server: account concurrency " + String.format(Locale.ROOT, "%,d",
                            ACCOUNT_CONCURRENCY) + " (Lambda's default of 1,000 leaves at most 900 to provisioned "
                            + "concurrency, as the unreserved minimum is 100), sandbox memory cap 1 TiB (admission only).",
                    "measure", "before", "with the idle sandboxes", "after teardown", "per idle sandbox");
            int n = Math.max(1, with.sandboxes() - before.sandboxes());
            table.row("sandboxes (cgroups)", num(before.sandboxes()), num(with.sandboxes()), num(after.sandboxes()), "—");
            table.row("processes in them", num(before.processes()), num(with.processes()), num(after.processes()),
                    String.format(Locale.ROOT, "%.2f", (with.processes() - before.processes()) / (double) n));
            table.row("cgroup memory (usage_in_bytes)", mib(before.cgroupUsage()), mib(with.cgroupUsage()),
                    mib(after.cgroupUsage()), mib((with.cgroupUsage() - before.cgroupUsage()) / n));
            table.row("… of which rss", mib(before.cgroupRss()), mib(with.cgroupRss()), mib(after.cgroupRss()),
                    mib((with.cgroupRss() - before.cgroupRss()) / n));
            table.row("host MemAvailable", mib(before.memAvailable()), mib(with.memAvailable()), mib(after.memAvailable()),
                    mib((before.memAvailable() - with.memAvailable()) / n) + " used");
            table.row("server heap after full GC", mib(before.heapAfterGc()), mib(with.heapAfterGc()),
                    mib(after.heapAfterGc()), kib((with.heapAfterGc() - before.heapAfterGc()) / n));
            table.row("JVM threads", num(before.jvmThreads()), num(with.jvmThreads()), num(after.jvmThreads()),
                    String.format(Locale.ROOT, "%.2f", (with.jvmThreads() - before.jvmThreads()) / (double) n));
            table.row("JVM open files", num(before.jvmFds()), num(with.jvmFds()), num(after.jvmFds()),
                    String.format(Locale.ROOT, "%.2f", (with.jvmFds() - before.jvmFds()) / (double) n));
            table.row("network namespaces (" + PREFIX + "-*)", num(before.netns()), num(with.netns()), num(after.netns()),
                    "—");
            table.row("host tasks (threads of all processes)", num(before.hostTasks()), num(with.hostTasks()),
                    num(after.hostTasks()), String.format(Locale.ROOT, "%.2f", (with.hostTasks() - before.hostTasks())
                            / (double) n));
            Map<String, Object> values = new LinkedHashMap<>();
            values.put("requested", count);
            values.put("ready", failure == null);
            values.put("failure", failure == null ? "" : failure);
            values.put("allocated", last == null ? 0 : last.allocatedProvisionedConcurrentExecutions());
            values.put("sandboxes", with.sandboxes());
            values.put("peak_sandboxes_during_ramp", peakSandboxes);
            values.put("processes", with.processes());
            values.put("cgroup_usage_bytes", with.cgroupUsage() - before.cgroupUsage());
            values.put("cgroup_rss_bytes", with.cgroupRss() - before.cgroupRss());
            values.put("mem_available_drop_bytes", before.memAvailable() - with.memAvailable());
            values.put("heap_growth_bytes", with.heapAfterGc() - before.heapAfterGc());
            values.put("jvm_threads_growth", with.jvmThreads() - before.jvmThreads());
            values.put("jvm_fds_growth", with.jvmFds() - before.jvmFds());
            values.put("ramp_seconds", rampSeconds);
            values.put("ramp_per_s", rampSeconds > 0 ? count / rampSeconds : -1);
            values.put("teardown_seconds", teardown.toMillis() / 1e3);
            values.put("poll_client_errors", pollErrors);
            values.put("failed_steps", failedSteps);
            values.put("warm_invokes", warm.getTotalCount());
            values.put("warm_invoke_errors", warmErrors);
            if (warm.getTotalCount() > 0) {
                values.put("warm_invoke_p50_ms", warm.getValueAtPercentile(50) / 1e6);
                values.put("warm_invoke_max_ms", warm.getMaxValue() / 1e6);
            }
            report.figure("density.idle_many", count + " idle sandboxes", values);
            table.note(failure == null
                    ? "Provisioning " + num(count) + " took " + Format.millis(rampSeconds * 1000) + ": "
                            + Format.perSecond(count / rampSeconds) + " sandboxes started and initialized during the ramp."
                    : "**Provisioning did not reach " + num(count) + "**: " + failure + ". Limits at that moment: "
                            + String.join("; ", limits) + ".");
            if (!failedSteps.isEmpty()) {
                table.note("The config went FAILED during " + failedSteps.size() + " step(s) of the ramp and READY again "
                        + "after the pool's retry" + (failure == null ? "" : " (or not, above)") + ": "
                        + String.join("; ", failedSteps) + ".");
            }
            table.note("Warm invokes with them alive: " + warm.getTotalCount() + " answered"
                    + (warmErrors > 0 ? ", " + warmErrors + " failed" : "")
                    + (warm.getTotalCount() > 0 ? ", p50 " + Format.millis(warm.getValueAtPercentile(50) / 1e6) + ", max "
                            + Format.millis(warm.getMaxValue() / 1e6) : "")
                    + ". Teardown (DeleteProvisionedConcurrencyConfig → every sandbox gone): "
                    + Format.millis(teardown.toMillis()) + ". Most sandboxes seen during the ramp: " + num(peakSandboxes) + "."
                    + (pollErrors > 0 ? " " + pollErrors + " GetProvisionedConcurrencyConfig polls failed on the client "
                            + "(connection closed by the server) and were asked again." : ""));
            table.note("Host limits for reference: " + String.join("; ", staticLimits()) + ".");
        }

        private Snapshot snapshot() throws IOException {
            List<String> ids = sandboxIds();
            int processes = 0;
            long usage = 0;
            long rss = 0;
            for (String id : ids) {
                Path memory = MEMORY_CGROUP.resolve(PREFIX).resolve(id);
                processes += pids(PIDS_CGROUP.resolve(PREFIX).resolve(id)).size();
                usage += readLong(memory.resolve("memory.usage_in_bytes"));
                try {
                    for (String line : Files.readAllLines(memory.resolve("memory.stat"))) {
                        if (line.startsWith("rss ")) {
                            rss += Long.parseLong(line.substring(4).strip());
                        }
                    }
                } catch (NoSuchFileException e) {
                    // Gone meanwhile.
                }
            }
            System.gc();
            long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            int fds;
            try (Stream<Path> entries = Files.list(Path.of("/proc/self/fd"))) {
                fds = (int) entries.count();
            }
            int netns = 0;
            Path runNetns = Path.of("/run/netns");
            if (Files.isDirectory(runNetns)) {
                try (Stream<Path> entries = Files.list(runNetns)) {
                    netns = (int) entries.filter(p -> p.getFileName().toString().startsWith(PREFIX + "-")).count();
                }
            }
            return new Snapshot(ids.size(), processes, usage, rss, memAvailable(), heap,
                    ManagementFactory.getThreadMXBean().getThreadCount(), fds, netns, hostTasks());
        }
    }

    /** What the host and this process allow, beside what is in use, when a ramp stops short. */
    private static List<String> limitsNow() {
        List<String> out = new ArrayList<>(staticLimits());
        out.add("host tasks now " + hostTasks());
        out.add("JVM threads now " + ManagementFactory.getThreadMXBean().getThreadCount());
        try (Stream<Path> entries = Files.list(Path.of("/proc/self/fd"))) {
            out.add("JVM open files now " + entries.count());
        } catch (IOException e) {
            out.add("JVM open files unknown: " + e.getMessage());
        }
        out.add("MemAvailable now " + mib(memAvailable()));
        return out;
    }

    private static List<String> staticLimits() {
        List<String> out = new ArrayList<>();
        out.add("kernel.pid_max " + text(Path.of("/proc/sys/kernel/pid_max")));
        out.add("kernel.threads-max " + text(Path.of("/proc/sys/kernel/threads-max")));
        out.add("user.max_net_namespaces " + text(Path.of("/proc/sys/user/max_net_namespaces")));
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files") || line.startsWith("Max processes")) {
                    out.add("JVM " + line.replaceAll("\\s{2,}", " ").strip());
                }
            }
        } catch (IOException e) {
            out.add("/proc/self/limits unreadable");
        }
        return out;
    }

    private static String text(Path file) {
        try {
            return String.join(" ", Files.readAllLines(file)).strip();
        } catch (IOException e) {
            return "?";
        }
    }

    private static int hostTasks() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/loadavg"))) {
            // Field 4 is running/total scheduling entities (threads of every process).
            String field = lines.findFirst().orElse("").split(" ")[3];
            return Integer.parseInt(field.substring(field.indexOf('/') + 1));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static long memAvailable() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.substring(13).strip().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // Fall through.
        }
        return -1;
    }

    /** The ids of this server's sandboxes with a memory cgroup now. */
    /**
     * A pre-created slot no sandbox has taken (named {@code pool.<n>}, no process in it): kept ready by the worker, not a
     * sandbox. A slot a sandbox took keeps that name, with the sandbox's processes in it.
     */
    private static boolean isIdleSlot(Path cgroup) {
        if (!cgroup.getFileName().toString().startsWith("pool.")) {
            return false;
        }
        try {
            return Files.readString(cgroup.resolve("cgroup.procs")).isBlank();
        } catch (IOException gone) {
            return true;
        }
    }

    private static List<String> sandboxIds() throws IOException {
        Path parent = MEMORY_CGROUP.resolve(PREFIX);
        if (!Files.isDirectory(parent)) {
            return List.of();
        }
        Set<String> ids = new TreeSet<>();
        try (Stream<Path> entries = Files.list(parent)) {
            entries.filter(Files::isDirectory).filter(p -> !isIdleSlot(p)).forEach(p -> ids.add(p.getFileName().toString()));
        } catch (NoSuchFileException e) {
            return List.of();
        }
        return List.copyOf(ids);
    }

    /**
     * Waits until this server has no sandbox left: no cgroup and no scratch directory (the last thing a teardown
     * removes). {@code quietly}: gives up without throwing (the section's end, where a failure is already on its way).
     */
    private static void awaitNoSandboxes(Duration timeout, boolean quietly) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Path scratchRoot = BubblewrapConfig.defaults().scratchRoot();
        while (true) {
            boolean scratchLeft = false;
            if (Files.isDirectory(scratchRoot)) {
                try (Stream<Path> dirs = Files.list(scratchRoot)) {
                    // Not the idle pre-created slots' (a taken slot's directory is renamed after its sandbox).
                    scratchLeft = dirs.map(p -> p.getFileName().toString())
                            .anyMatch(n -> n.startsWith(PREFIX + "-") && !n.startsWith(PREFIX + "-pool."));
                }
            }
            if (sandboxIds().isEmpty() && !scratchLeft) {
                return;
            }
            if (System.nanoTime() > deadline) {
                if (quietly) {
                    return;
                }
                throw new IllegalStateException("sandboxes of " + PREFIX + " still there after " + timeout.toSeconds()
                        + " s: " + sandboxIds().size() + " cgroups");
            }
            Thread.sleep(50);
        }
    }

    /**
     * The SDK client as {@link KindlingUnderTest#client} builds it, with a 30 s connection timeout instead of 2 s: with
     * hundreds of sandboxes starting on 2 cores, the server's accept can take longer than that.
     */
    private static LambdaClient client(String endpoint) {
        return LambdaClient.builder()
                .endpointOverride(java.net.URI.create(endpoint))
                .region(software.amazon.awssdk.regions.Region.of(KindlingUnderTest.REGION))
                .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(KindlingUnderTest.ACCESS_KEY,
                                KindlingUnderTest.SECRET_KEY)))
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(30)).socketTimeout(Duration.ofMinutes(2)).build())
                .overrideConfiguration(software.amazon.awssdk.core.client.config.ClientOverrideConfiguration.builder()
                        .retryStrategy(software.amazon.awssdk.awscore.retry.AwsRetryStrategy.doNotRetry()).build())
                .build();
    }

    private static String num(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static String mib(long bytes) {
        if (Math.abs(bytes) < 10L << 20) {
            return String.format(Locale.ROOT, "%.2f MiB", bytes / 1048576.0);
        } else if (Math.abs(bytes) < 1000L << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
        }
        return String.format(Locale.ROOT, "%,.0f MiB", bytes / 1048576.0);
    }

    private static String kib(long bytes) {
        return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }
}
