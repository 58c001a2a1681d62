/** The studio's version as written into PNG metadata ("Version: latent-studio x.y.z"). */
import pkg from '../../package.json';

export const APP_VERSION: string = pkg.version;
export const VERSION_TAG = `latent-studio ${APP_VERSION}`;
