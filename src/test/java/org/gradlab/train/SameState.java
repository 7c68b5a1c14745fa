package org.gradlab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.RecordComponent;
import java.util.List;
import java.util.Map;
import org.gradlab.Bits;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Deep, exact comparison of two {@link TrainState}s (arrays bit for bit); only wall-clock seconds may differ. */
public final class SameState {
    private SameState() {
    }

    public static void assertSame(TrainState expected, TrainState actual) {
        compare("state", expected, actual);
    }

    private static void compare(String path, Object e, Object a) {
        if (e == null || a == null) {
            assertEquals(e, a, path);
        } else if (e instanceof INDArray x) {
            Bits.assertBitIdentical(path, x, (INDArray) a);
        } else if (e instanceof double[] x) {
            assertTrue(java.util.Arrays.equals(x, (double[]) a), path + " differs");
        } else if (e instanceof EpochResult x) {
            EpochResult y = (EpochResult) a;
            assertEquals(new EpochResult(x.epoch(), x.trainLoss(), x.trainScore(), x.testLoss(), x.testScore(), 0),
                    new EpochResult(y.epoch(), y.trainLoss(), y.trainScore(), y.testLoss(), y.testScore(), 0), path);
        } else if (e instanceof Record r) {
            assertEquals(e.getClass(), a.getClass(), path);
            for (RecordComponent c : r.getClass().getRecordComponents()) {
                compare(path + "." + c.getName(), get(c, e), get(c, a));
            }
        } else if (e instanceof Map<?, ?> m) {
            assertEquals(m.keySet(), ((Map<?, ?>) a).keySet(), path + " keys");
            m.forEach((k, v) -> compare(path + "[" + k + "]", v, ((Map<?, ?>) a).get(k)));
        } else if (e instanceof List<?> l) {
            assertEquals(l.size(), ((List<?>) a).size(), path + " size");
            for (int i = 0; i < l.size(); i++) {
                compare(path + "[" + i + "]", l.get(i), ((List<?>) a).get(i));
            }
        } else {
            assertEquals(e, a, path);
        }
    }

    private static Object get(RecordComponent c, Object r) {
        try {
            var m = c.getAccessor();
            m.setAccessible(true);
            return m.invoke(r);
        } catch (ReflectiveOperationException x) {
            throw new IllegalStateException(x);
        }
    }
}
