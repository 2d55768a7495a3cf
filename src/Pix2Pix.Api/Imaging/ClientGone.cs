namespace Pix2Pix.Api.Imaging;

/// <summary>
/// The client's connection failed while its upload was being read (reset, aborted): nobody is left to answer. The
/// framework treats such a failure as an aborted request only once the request's cancellation has fired, which can come
/// after the read has failed; this says it regardless, so it is never logged as the server's error.
/// </summary>
public sealed class ClientGone(Exception inner) : Exception("the client's connection failed during its upload", inner);
