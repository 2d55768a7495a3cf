using System.Diagnostics;
using System.Threading.Channels;
using Pix2Pix.Api.Telemetry;

namespace Pix2Pix.Api.Inference;

/// <summary>
/// A bounded queue of one model version's requests that its sessions drain in batches (up to MaxBatchSize requests,
/// the first waiting at most MaxBatchWait for others while more are on their way), as Triton's dynamic batcher does.
/// Requests cancelled while queued are dropped without being computed; a failing batch fails only its own requests.
/// </summary>
public sealed class Batcher : IAsyncDisposable
{
    private readonly string model;
    private readonly SessionPool pool;
    private readonly InferenceOptions options;
    private readonly Pix2PixTelemetry telemetry;
    private readonly ILogger logger;
    private readonly Channel<PendingTranslation> queue;
    private readonly CancellationTokenSource stopping = new();
    private readonly Task[] workers;
    private int arriving;
    private bool closed;

    public Batcher(string model, SessionPool pool, InferenceOptions options, Pix2PixTelemetry telemetry, ILogger logger)
    {
        this.model = model;
        this.pool = pool;
        this.options = options;
        this.telemetry = telemetry;
        this.logger = logger;
        queue = Channel.CreateBounded<PendingTranslation>(new BoundedChannelOptions(Math.Max(1, options.QueueCapacity))
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleWriter = false,
        });
        workers = pool.Sessions.Select(session => Task.Run(() => Work(session))).ToArray();
    }

    /// <summary>
    /// Says a request is on its way (being read or decoded). A batch waits for others only while some are
    /// on their way, so a lone request never pays the batching delay. Dispose when it is queued or gone.
    /// </summary>
    public IDisposable Announce()
    {
        Interlocked.Increment(ref arriving);
        return new Arrival(this);
    }

    private sealed class Arrival(Batcher batcher) : IDisposable
    {
        private int done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref done, 1) == 0) Interlocked.Decrement(ref batcher.arriving);
        }
    }

    /// <summary>Queues one input for the next batch and returns its output; <paramref name="counted"/> false keeps it out of the metrics (warm-up).</summary>
    public async Task<float[]> TranslateAsync(float[] input, CancellationToken cancellation, IDisposable? arrival = null, bool counted = true)
    {
        var output = new float[pool.Card.OutputChannels * pool.Card.NativeSize * pool.Card.NativeSize];
        await TranslateAsync(input, output, cancellation, arrival, counted);
        return output;
    }

    /// <summary>
    /// Queues one input for the next batch; the task completes once its output is in <paramref name="output"/>. Until it
    /// has completed successfully, the batcher may still read <paramref name="input"/> and write <paramref name="output"/>:
    /// a caller that gives up (cancelled, failed) must not reuse them.
    /// </summary>
    public async Task TranslateAsync(ReadOnlyMemory<float> input, Memory<float> output, CancellationToken cancellation, IDisposable? arrival = null, bool counted = true)
    {
        cancellation.ThrowIfCancellationRequested();
        var pending = new PendingTranslation(input, output, cancellation, Activity.Current?.Context ?? default, counted);
        // Counted before it is written, so a worker that takes it at once never makes the gauge read below zero; the
        // service's own warm-up is not counted (queue depth is what autoscaling reads).
        if (counted) telemetry.Enqueued();
        var queued = queue.Writer.TryWrite(pending);
        arrival?.Dispose();
        if (!queued)
        {
            if (counted) telemetry.Dequeued();
            if (Volatile.Read(ref closed)) throw ShuttingDown();
            telemetry.Rejected.Add(1, new KeyValuePair<string, object?>("model", model));
            throw new ServiceUnavailable("Server busy", $"The queue for model '{model}' is full ({options.QueueCapacity} waiting); retry shortly.", 1);
        }

        using (Pix2PixTelemetry.Source.StartActivity("queue wait"))
        {
            try
            {
                await pending.Result.Task.WaitAsync(cancellation);
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                // Cancelled by the batcher, not by its client: it stopped with the request still queued.
                throw ShuttingDown();
            }
        }
    }

    private static ServiceUnavailable ShuttingDown() =>
        new("Shutting down", "The service stopped while this request waited for its model; retry on another instance.", 5);

    private async Task Work(GeneratorSession session)
    {
        var card = pool.Card;
        var max = Math.Max(1, options.MaxBatchSize);
        var (inPer, outPer) = (card.InputChannels * card.NativeSize * card.NativeSize, card.OutputChannels * card.NativeSize * card.NativeSize);
        var input = new float[max * inPer];
        var output = new float[max * outPer];
        var batch = new List<PendingTranslation>(max);
        try
        {
            while (await queue.Reader.WaitToReadAsync(stopping.Token))
            {
                await Gather(batch, max);
                if (batch.Count == 0) continue;
                Run(session, batch, input, output, inPer, outPer);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            // Nothing taken from the queue is left without an answer, whatever ended the loop.
            foreach (var pending in batch) pending.Result.TrySetCanceled();
        }
    }

    // Takes what is queued, and while others are on their way waits for them up to MaxBatchWait. The wait ends early when the
    // queue is closed (the batcher stopping): it does not watch the stopping token, so a batch already taken from the queue
    // is always run, however the stop and the wait interleave.
    private async Task Gather(List<PendingTranslation> batch, int max)
    {
        Drain(batch, max);
        if (batch.Count == 0 || batch.Count >= max || options.MaxBatchWaitMilliseconds <= 0 || Volatile.Read(ref arriving) == 0) return;
        using var wait = new CancellationTokenSource(options.MaxBatchWaitMilliseconds);
        try
        {
            while (batch.Count < max && await queue.Reader.WaitToReadAsync(wait.Token)) Drain(batch, max);
        }
        catch (OperationCanceledException)
        {
            // The batch waited long enough.
        }
    }

    private void Drain(List<PendingTranslation> batch, int max)
    {
        while (batch.Count < max && queue.Reader.TryRead(out var pending))
        {
            if (pending.Counted) telemetry.Dequeued();
            if (pending.Cancellation.IsCancellationRequested) pending.Result.TrySetCanceled(pending.Cancellation);
            else batch.Add(pending);
        }
    }

    private void Run(GeneratorSession session, List<PendingTranslation> batch, float[] input, float[] output, int inPer, int outPer)
    {
        var card = pool.Card;
        var links = batch.Where(p => p.Parent != default).Select(p => new ActivityLink(p.Parent)).ToArray();
        using var activity = Pix2PixTelemetry.Source.StartActivity("inference", ActivityKind.Internal, parentContext: batch[0].Parent, links: links);
        activity?.SetTag("pix2pix.model", model);
        activity?.SetTag("pix2pix.batch_size", batch.Count);
        activity?.SetTag("pix2pix.provider", session.Provider);
        activity?.SetTag("pix2pix.device", session.Device);
        // A lone request has the cores to itself (no other request of any model is being read, decoded, queued or encoded):
        // it runs on the pool's session whose threads spin.
        var alone = pool.Alone is not null && batch.Count == 1 && telemetry.Active <= 1 && Volatile.Read(ref arriving) == 0 && queue.Reader.Count == 0;
        activity?.SetTag("pix2pix.alone", alone);
        var started = Stopwatch.GetTimestamp();
        var counted = batch.Count(p => p.Counted);
        foreach (var pending in batch.Where(p => p.Counted)) telemetry.QueueWait.Record(Stopwatch.GetElapsedTime(pending.EnqueuedAt, started).TotalMilliseconds);
        try
        {
            var runner = alone ? pool.Alone! : session;
            // On CUDA with pinned buffers the batch is written into the session's page-locked memory, which goes to the device by DMA.
            var (batchInput, batchOutput) = runner.BuffersFor(batch.Count, card.InputChannels, card.OutputChannels, card.NativeSize)
                ?? (input.AsMemory(0, batch.Count * inPer), output.AsMemory(0, batch.Count * outPer));
            for (var i = 0; i < batch.Count; i++)
            {
                if (batch[i].Input.Length != inPer) throw new InvalidDataException($"an input holds {batch[i].Input.Length} values, the model takes {inPer}");
                if (batch[i].Output.Length != outPer) throw new InvalidDataException($"an output has room for {batch[i].Output.Length} values, the model gives {outPer}");
                batch[i].Input.Span.CopyTo(batchInput.Span.Slice(i * inPer, inPer));
            }

            runner.Run(batchInput, batchOutput, batch.Count, card.InputChannels, card.OutputChannels, card.NativeSize);
            if (counted > 0)
            {
                var tags = new TagList { { "model", model }, { "provider", session.Provider }, { "device", session.Device } };
                telemetry.BatchSize.Record(counted, tags);
                tags.Add("alone", alone);
                telemetry.InferenceDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, tags);
            }

            for (var i = 0; i < batch.Count; i++)
            {
                batchOutput.Span.Slice(i * outPer, outPer).CopyTo(batch[i].Output.Span);
                batch[i].Result.TrySetResult();
            }
        }
        catch (Exception e)
        {
            // Whatever went wrong fails this batch's requests only; the worker lives on for the next batch.
            logger.LogError(e, "Inference failed on model {Model} for a batch of {Count}", model, batch.Count);
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            foreach (var pending in batch) pending.Result.TrySetException(new InferenceFailed(model, e));
        }
    }

    /// <summary>Stops the workers; what is still queued is cancelled (at shutdown, after the drain).</summary>
    public async ValueTask DisposeAsync()
    {
        Volatile.Write(ref closed, true);
        queue.Writer.TryComplete();
        await stopping.CancelAsync();
        try
        {
            await Task.WhenAll(workers);
        }
        finally
        {
            // Whatever ended the workers, what is still queued is answered and leaves the queue-depth gauge.
            while (queue.Reader.TryRead(out var pending))
            {
                if (pending.Counted) telemetry.Dequeued();
                pending.Result.TrySetCanceled();
            }

            stopping.Dispose();
        }
    }
}

/// <summary>An inference error on a batch; only that batch's requests fail.</summary>
public sealed class InferenceFailed(string model, Exception inner) : Exception($"inference failed on model '{model}'", inner);
