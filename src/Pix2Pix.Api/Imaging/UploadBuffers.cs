using Microsoft.Extensions.Options;
using Pix2Pix.Api.Inference;

namespace Pix2Pix.Api.Imaging;

/// <summary>
/// The bytes all uploads together may hold while they are received and translated (Uploads:UploadBufferMegabytes). An
/// upload draws from it chunk by chunk as its data arrives, and for the copy into one array, so memory follows what
/// clients have sent, and clients that send much and then stall can hold no more than this between them; while it is
/// spent, a new chunk is refused at once with 503 (the pixel budget covers decoding). The bytes held are counted once, by
/// the telemetry's upload gauge (pix2pix_upload_buffered_bytes).
/// </summary>
public sealed class UploadBuffers(IOptions<UploadOptions> options, Telemetry.Pix2PixTelemetry telemetry)
{
    private readonly long capacity = options.Value.UploadBufferMegabytes * 1024L * 1024;
    private readonly Telemetry.Pix2PixTelemetry telemetry = telemetry;

    /// <summary>A new upload's account; dispose it when the request ends to give back what it drew.</summary>
    public Account Open() => new(this);

    public sealed class Account(UploadBuffers buffers) : IDisposable
    {
        private long drawn;

        /// <summary>Draws <paramref name="bytes"/> more for this upload, or throws 503 when the buffers are spent.</summary>
        public void Draw(int bytes)
        {
            if (buffers.telemetry.UploadBuffered(bytes) > buffers.capacity)
            {
                buffers.telemetry.UploadBuffered(-bytes);
                throw new ServiceUnavailable("Server busy", "The uploads being received fill the service's upload buffers; retry shortly.", 1);
            }

            drawn += bytes;
        }

        public void Dispose()
        {
            buffers.telemetry.UploadBuffered(-drawn);
            drawn = 0;
        }
    }
}
