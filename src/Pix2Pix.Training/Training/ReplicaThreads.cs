using static TorchSharp.torch;

namespace Pix2Pix.Training.Training;

/// <summary>
/// One dedicated thread per replica, each with its own LibTorch thread count (LibTorch's OpenMP thread count is a
/// per-thread setting), so that N replicas of one LibTorch thread each keep N cores busy without oversubscribing them.
/// <see cref="Run"/> hands replica k's work to thread k and returns when all are done, rethrowing the first failure.
/// The threads live as long as this object: a replica's tensors may be created in one call and used in the next.
/// </summary>
public sealed class ReplicaThreads : IDisposable
{
    private readonly Worker[] workers;

    /// <summary>The LibTorch threads each of <paramref name="replicas"/> replicas gets: the calling thread's count shared out, at least 1.</summary>
    public static int LibTorchThreadsEach(int replicas) => Math.Max(1, get_num_threads() / replicas);

    public ReplicaThreads(int count, int libTorchThreadsEach)
    {
        // LibTorch's set_num_threads also sets the count that threads starting LibTorch work later begin with:
        // once the workers have set theirs (see Loop), the calling thread's count becomes that default again.
        var own = get_num_threads();
        workers = Enumerable.Range(0, count).Select(k => new Worker(k, libTorchThreadsEach)).ToArray();
        foreach (var worker in workers) worker.Ready.Wait();
        set_num_threads(own);
    }

    /// <summary>Runs <paramref name="work"/>(k) on thread k for every k below <paramref name="replicas"/> at once.</summary>
    public void Run(int replicas, Action<int> work)
    {
        for (var k = 0; k < replicas; k++) workers[k].Start(work);
        Exception? first = null;
        for (var k = 0; k < replicas; k++) first ??= workers[k].Wait();
        if (first is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
    }

    public void Dispose()
    {
        foreach (var worker in workers) worker.Dispose();
    }

    private sealed class Worker : IDisposable
    {
        private readonly int index;
        private readonly SemaphoreSlim started = new(0);
        private readonly SemaphoreSlim finished = new(0);
        private readonly Thread thread;
        private Action<int>? work;
        private Exception? error;
        private volatile bool stopping;

        public ManualResetEventSlim Ready { get; } = new();

        public Worker(int index, int libTorchThreads)
        {
            this.index = index;
            thread = new Thread(() => Loop(libTorchThreads)) { IsBackground = true, Name = $"pix2pix replica {index}" };
            thread.Start();
        }

        public void Start(Action<int> action)
        {
            work = action;
            error = null;
            started.Release();
        }

        public Exception? Wait()
        {
            finished.Wait();
            return error;
        }

        private void Loop(int libTorchThreads)
        {
            // LibTorch gives a thread its count when the thread first asks for it or starts parallel work, from the
            // process-wide default, which the constructor then sets back to the caller's count. Without asking first,
            // each replica's first convolution took that default (every core) and N replicas ran N × cores threads.
            get_num_threads();
            set_num_threads(libTorchThreads);
            Ready.Set();
            while (true)
            {
                started.Wait();
                if (stopping) return;
                try
                {
                    work!(index);
                }
                catch (Exception e)
                {
                    error = e;
                }

                finished.Release();
            }
        }

        public void Dispose()
        {
            stopping = true;
            started.Release();
            thread.Join();
            started.Dispose();
            finished.Dispose();
            Ready.Dispose();
        }
    }
}
