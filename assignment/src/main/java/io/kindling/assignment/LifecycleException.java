package io.kindling.assignment;

/**
 * An event the lifecycle refuses. The state is unchanged and no effect runs. When the runtime sent the event the
 * Runtime API rejects its request; from any other source it is a bug or an unhandled race in the driver.
 */
public abstract sealed class LifecycleException extends Exception permits NotInState, WrongInvocation {
    LifecycleException(String message) {
        super(message);
    }
}
