package io.kindling.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

/** What the figures were measured on; read from /proc and the JVM, nothing assumed. */
record MachineDescription(String cpuModel, int cpus, String cpuFeatures, String memory, String kernel, String jdk, String os,
                          String date, String loadAverageAtStart) {

    /** CPU features that change what the hashing and inflating figures mean. */
    private static final List<String> FEATURES_OF_NOTE = List.of("sha_ni", "aes", "avx2", "avx512f", "vpclmulqdq");

    static MachineDescription read() {
        List<String> cpuinfo = lines("/proc/cpuinfo");
        String model = cpuinfo.stream().filter(l -> l.startsWith("model name")).findFirst()
                .map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("unknown");
        List<String> flags = cpuinfo.stream().filter(l -> l.startsWith("flags")).findFirst()
                .map(l -> List.of(l.substring(l.indexOf(':') + 1).strip().split(" "))).orElse(List.of());
        String features = String.join(" ", FEATURES_OF_NOTE.stream().filter(flags::contains).toList());
        String memTotal = lines("/proc/meminfo").stream().filter(l -> l.startsWith("MemTotal:")).findFirst()
                .map(l -> String.format("%.1f GiB", Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0))
                .orElse("unknown");
        String kernel = lines("/proc/sys/kernel/osrelease").stream().findFirst().orElse(System.getProperty("os.version"));
        String jdk = System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.name") + " "
                + System.getProperty("java.runtime.version");
        String os = lines("/etc/os-release").stream().filter(l -> l.startsWith("PRETTY_NAME=")).findFirst()
                .map(l -> l.substring("PRETTY_NAME=".length()).replace("\"", "")).orElse(System.getProperty("os.name"));
        return new MachineDescription(model, Runtime.getRuntime().availableProcessors(),
                features.isEmpty() ? "none of " + FEATURES_OF_NOTE : features, memTotal, kernel, jdk, os,
                ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME), loadAverage());
    }

    /** The 1, 5 and 15 minute load averages: how busy the machine was with other work. */
    static String loadAverage() {
        return lines("/proc/loadavg").stream().findFirst()
                .map(l -> String.join(" ", List.of(l.split(" ")).subList(0, 3))).orElse("unknown");
    }

    private static List<String> lines(String file) {
        try {
            return Files.readAllLines(Path.of(file));
        } catch (IOException e) {
            return List.of();
        }
    }
}
