package io.kindling.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How much one run measures. The full run aims at about ten minutes on the 2-core machine,
 * {@code --quick} at about two and a half (a smoke test: same code paths, fewer samples).
 *
 * @param sections          the sections this run measures ({@code --only}; every one by default)
 * @param warmup            closed-loop warm-up per round-trip scenario, before its first round
 * @param round             length of one measured round; scenarios alternate round by round
 * @param rounds            measured rounds per round-trip scenario
 * @param smallCreates      measured CreateFunction calls with a few-KB zip (and as many of each baseline)
 * @param largeCreates      measured CreateFunction calls with a 10 MiB zip
 * @param createWarmup      unmeasured calls of each create-like figure before measuring (small; large uses a third)
 * @param inspectRuns       measured passes over the 50 MB package per tool, after {@code inspectWarmup}
 * @param startRuns         measured server starts per data directory and start kind (in-process ones after one
 *                          unmeasured start)
 * @param processRuns       measured {@code java -version} runs
 * @param functionsForStart functions in the populated data directory the start figures use
 * @param coldStarts        measured cold starts per runtime and memory size (and bare runs per runtime), after
 *                          {@code coldWarmup} unmeasured ones each; warm invokes use {@code warmup}, {@code round}
 *                          and {@code rounds} like the round trips
 * @param slowColdStarts    the same for a runtime whose start takes about a second (a JVM), after
 *                          {@code slowColdWarmup} unmeasured ones, spread evenly over the other rows' rounds
 * @param ingestMebibytes   size of the random file chunk ingest is measured over
 * @param ingestRuns        measured passes of each ingest figure and of {@code sha256sum}, after one unmeasured
 * @param largePackageMebibytes size of the large package of the code-storage figures (beside one of 1 MiB)
 * @param packageColdStarts measured cold starts per package size, and bare starts, after one unmeasured each
 * @param chunkReadPasses   measured passes over every chunk per read tier, after one unmeasured
 * @param imageDataMebibytes the large container image's random data; 0 for as much as fits Lambda's 10 GiB limit
 *                          beside the small image's layers
 * @param imageColdStarts   measured cold starts per container image (and bare starts), after one unmeasured round
 * @param microWarmups      JMH warm-up iterations per micro benchmark, of {@code microWarmup} each
 * @param microWarmup       length of one JMH warm-up iteration
 * @param microIterations   JMH measured iterations per micro benchmark, of {@code microIteration} each (in one
 *                          forked JVM)
 * @param microIteration    length of one measured JMH iteration
 */
record BenchSettings(boolean quick, Set<Section> sections, Path outDir, Duration warmup, Duration round, int rounds,
                     int smallCreates, int largeCreates, int createWarmup, int inspectWarmup, int inspectRuns,
                     int startRuns, int processRuns, int functionsForStart, int coldWarmup, int coldStarts,
                     int slowColdWarmup, int slowColdStarts, int ingestMebibytes, int ingestRuns,
                     int largePackageMebibytes, int packageColdStarts, int chunkReadPasses, int imageDataMebibytes,
                     int imageColdStarts, int microWarmups, Duration microWarmup, int microIterations,
                     Duration microIteration) {

    /** The run's sections in the order they run; {@code --only} names them. */
    enum Section {
        CONTROL_PLANE("1–4"), ZIP("5"), START("6"), INVOKE("7–8"), ASYNC("9"), STORAGE("10"), IMAGES("11"),
        MICRO("12"),
        DENSITY("13");

        final String figures;

        Section(String figures) {
            this.figures = figures;
        }

        /** As {@code --only} spells it: {@code control-plane}, {@code zip}, …, {@code micro}. */
        String option() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** e.g. {@code invoke (7–8)}. */
        String described() {
            return option() + " (" + figures + ")";
        }

        static Section of(String option) {
            for (Section section : values()) {
                if (section.option().equals(option)) {
                    return section;
                }
            }
            throw new IllegalArgumentException("unknown section " + option + " (sections: " + list() + ")\n" + USAGE);
        }

        static String list() {
            return Arrays.stream(values()).map(Section::described).collect(Collectors.joining(", "));
        }
    }

    static final String USAGE = "usage: kindling bench [--quick] [--only SECTION[,SECTION...]] [--out DIR]";

    boolean runs(Section section) {
        return sections.contains(section);
    }

    boolean allSections() {
        return sections.size() == Section.values().length;
    }

    static BenchSettings parse(String[] args, Path defaultOut) {
        boolean quick = false;
        Set<Section> sections = EnumSet.allOf(Section.class);
        Path out = defaultOut;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--only" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("--only needs sections: " + Section.list() + "\n" + USAGE);
                    }
                    sections = EnumSet.noneOf(Section.class);
                    for (String option : args[++i].split(",")) {
                        sections.add(Section.of(option.strip()));
                    }
                }
                case "--out" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("--out needs a directory\n" + USAGE);
                    }
                    out = Path.of(args[++i]);
                }
                case "-h", "--help" -> throw new IllegalArgumentException(USAGE + "\nsections: " + Section.list());
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + "\n" + USAGE);
            }
        }
        return quick
                ? new BenchSettings(true, sections, out, Duration.ofMillis(500), Duration.ofMillis(600), 1, 30, 3, 5, 1,
                        3, 1, 3, 250, 1, 5, 1, 3, 64, 1, 64, 2, 2, 1024, 3,
                        1, Duration.ofMillis(200), 2, Duration.ofMillis(200))
                : new BenchSettings(false, sections, out, Duration.ofMillis(2500), Duration.ofMillis(1500), 3, 200, 20,
                        20, 2, 7, 5, 7, 1000, 2, 30, 1, 10, 200, 3, 200, 15, 5, 0, 15,
                        3, Duration.ofSeconds(1), 5, Duration.ofSeconds(1));
    }
}
