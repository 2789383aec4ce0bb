import { csharpGenerator } from './csharp.js';
import { fsharpGenerator } from './fsharp.js';
import type { LanguageGenerator } from './language.js';
import { pythonGenerator } from './python.js';
import { typescriptDeclarationsGenerator } from './typescript-declarations.js';
import { typescriptGenerator } from './typescript.js';

export type { DtoHeader, GenerateOptions, LanguageGenerator } from './language.js';

/** Languages of /types/{id} and of `lang=` on metadata pages, in the order pages list them. */
export const LANGUAGES: readonly LanguageGenerator[] = [
  typescriptGenerator,
  typescriptDeclarationsGenerator,
  csharpGenerator,
  fsharpGenerator,
  pythonGenerator,
];

/** Languages offered on operation pages. The ambient declarations only make sense as a whole file. */
export const PAGE_LANGUAGES: readonly LanguageGenerator[] = LANGUAGES.filter((language) => language !== typescriptDeclarationsGenerator);

export function languageById(id: string): LanguageGenerator | undefined {
  return LANGUAGES.find((language) => language.id === id.toLowerCase());
}
