package io.kindling.bench;

/**
 * One deployed function the invoke figures call: a runtime at a memory size. Memory matters beyond memory: Kindling
 * caps a sandbox's CPU in proportion, as Lambda does (1,769 MB is one full core; 512 MB is 29% of one; 128 MB is 7% of
 * one, a cfs quota of 7.2 ms per 100 ms).
 *
 * @param function the function's name on the server
 * @param endpoint the server's base URL
 */
record InvokeTarget(ProvidedBootstraps.Bootstrap bootstrap, int memoryMb, String function, String endpoint) {
    /** A full vCPU share, so the CPU cap does not dominate. */
    static final int FULL_CORE_MB = 1769;
    static final int SMALLEST_MB = 128;
    /** The Java rows' smaller size: a JVM in 128 MB is tight; 29% of a core (a cfs quota of 28.9 ms per 100 ms). */
    static final int JAVA_SMALL_MB = 512;

    /** e.g. {@code c-1769}: part of figure ids. */
    String id() {
        return bootstrap.id() + "-" + memoryMb;
    }

    String invokeUrl() {
        return endpoint + "/2015-03-31/functions/" + function + "/invocations";
    }

    String memory() {
        return String.format("%,d MB", memoryMb);
    }
}
