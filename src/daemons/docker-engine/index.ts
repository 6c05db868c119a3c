/** The docker engine as an end: docker-save tars in (load) and out (save) over its unix socket. */
export { DEFAULT_DOCKER_SOCKET, DockerEngine, dockerSocket } from './engine.js';
export { inspectImage, loadImages, saveImage, type EngineImage } from './images.js';
