package io.kindling.assignment;

/** The runtime reported a result for {@code reported}, but the environment is running {@code expected}. */
public final class WrongInvocation extends LifecycleException {
    private final InvocationId expected;
    private final InvocationId reported;

    WrongInvocation(InvocationId expected, InvocationId reported) {
        super("the runtime reported on invocation " + reported + ", but the environment is running " + expected);
        this.expected = expected;
        this.reported = reported;
    }

    public InvocationId expected() {
        return expected;
    }

    public InvocationId reported() {
        return reported;
    }
}
