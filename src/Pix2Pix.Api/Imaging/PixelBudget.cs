using Microsoft.Extensions.Options;
using Pix2Pix.Api.Inference;

namespace Pix2Pix.Api.Imaging;

/// <summary>
/// The pixels all requests together may hold from decode to encode (Uploads:PixelBudgetMegapixels). A request draws its
/// image's pixels, as its PNG header declares them, before anything is decoded and returns them once its answer is
/// encoded; while the budget is spent, requests wait their turn (first come, first served) for at most
/// Uploads:PixelBudgetWaitMilliseconds, then get 503. So concurrent large images queue instead of multiplying memory.
/// </summary>
public sealed class PixelBudget(IOptions<UploadOptions> options)
{
    private readonly long capacity = (long)(Math.Max(0.001, options.Value.PixelBudgetMegapixels) * 1_000_000);
    private readonly TimeSpan wait = TimeSpan.FromMilliseconds(Math.Max(0, options.Value.PixelBudgetWaitMilliseconds));
    private readonly LinkedList<Waiter> waiters = [];
    private readonly Lock gate = new();
    private long available = (long)(Math.Max(0.001, options.Value.PixelBudgetMegapixels) * 1_000_000);

    public long Capacity => capacity;

    public long Available
    {
        get
        {
            lock (gate) return available;
        }
    }

    private sealed record Waiter(long Pixels, TaskCompletionSource Granted);

    /// <summary>Draws <paramref name="pixels"/> from the budget, waiting for others to return theirs; dispose to return them.</summary>
    public async Task<IDisposable> DrawAsync(long pixels, CancellationToken cancellation)
    {
        if (pixels > capacity)
        {
            throw UploadRejected.Dimensions(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"The image has {pixels:N0} pixels, more than the service handles at once ({capacity:N0})."));
        }

        Waiter waiter;
        LinkedListNode<Waiter> node;
        lock (gate)
        {
            if (waiters.Count == 0 && available >= pixels)
            {
                available -= pixels;
                return new Draw(this, pixels);
            }

            waiter = new Waiter(pixels, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            node = waiters.AddLast(waiter);
        }

        try
        {
            await waiter.Granted.Task.WaitAsync(wait, cancellation);
            return new Draw(this, pixels);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            lock (gate)
            {
                if (node.List is not null)
                {
                    waiters.Remove(node);
                    GrantWaiting();   // a large waiter leaving may let smaller ones behind it through
                }
                else if (waiter.Granted.Task.IsCompletedSuccessfully)
                {
                    available += pixels;   // granted just as it gave up: give it back
                    GrantWaiting();
                }
            }

            if (e is OperationCanceledException) throw;
            throw new ServiceUnavailable("Server busy", "The images being processed fill the service's pixel budget; retry shortly.", 1);
        }
    }

    private void Return(long pixels)
    {
        lock (gate)
        {
            available += pixels;
            GrantWaiting();
        }
    }

    // In arrival order, as long as the first in line fits.
    private void GrantWaiting()
    {
        while (waiters.First is { } first && first.Value.Pixels <= available)
        {
            waiters.RemoveFirst();
            available -= first.Value.Pixels;
            first.Value.Granted.TrySetResult();
        }
    }

    private sealed class Draw(PixelBudget budget, long pixels) : IDisposable
    {
        private int returned;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref returned, 1) == 0) budget.Return(pixels);
        }
    }
}
