export { registerMetadataRoutes, type MetadataRoutesOptions } from './routes.js';
export { buildDtoModel, type DtoModel } from './dto-model.js';
export { selectAll, selectForOperation, selectIncluded, type DtoSelection } from './selection.js';
export { LANGUAGES, languageById, type LanguageGenerator } from './languages/index.js';
