namespace Pix2Pix.Api.Inference;

public enum ModelState { Loading, Ready, Failed }
