package org.gradlab;

import java.lang.reflect.RecordComponent;

/** Reading records by reflection, for the codecs that write any record as a tree (specs, training state). */
public final class Records {
    private Records() {
    }

    /** The value of component {@code c} of {@code r}; {@code who} names the caller in the error that cannot happen for a public record. */
    public static Object component(Record r, RecordComponent c, String who) {
        try {
            var accessor = c.getAccessor();
            accessor.setAccessible(true);
            return accessor.invoke(r);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(who + ": cannot read " + c.getName() + " of " + r.getClass().getName(), e);
        }
    }
}
