/** Seeded catalog items (`$custom:::$default:::<external_id>`), the products of the seeded orders. */
import { Prng, round2 } from '../prng.js';

export interface SeededCatalogItem {
  id: string;
  externalId: string;
  sku: string;
  title: string;
  price: number;
  category: string;
  brand: string;
  createdMs: number;
}

const PRODUCTS = [
  ['Trail Running Shoe', 'Footwear'], ['Merino Running Socks', 'Footwear'], ['Espresso Grinder', 'Kitchen'], ['Ceramic Espresso Cups', 'Kitchen'],
  ['Yoga Mat', 'Fitness'], ['Cork Yoga Block', 'Fitness'], ['Rain Jacket', 'Outerwear'], ['Fleece Beanie', 'Outerwear'],
  ['Water Bottle', 'Fitness'], ['Cast Iron Skillet', 'Kitchen'], ['Linen Apron', 'Kitchen'], ['Hiking Backpack', 'Outdoor'],
  ['Headlamp', 'Outdoor'], ['Camp Mug', 'Outdoor'], ['Wool Sweater', 'Outerwear'], ['Running Shorts', 'Fitness'],
] as const;
const BRANDS = ['Northfold', 'Brightpeak', 'Oakline', 'Tidewater'];
const DAY_MS = 86_400_000;

export function generateCatalog(seed: number, count: number, anchorMs: number): SeededCatalogItem[] {
  const random = new Prng(seed, 'catalog');
  const items: SeededCatalogItem[] = [];
  for (let i = 0; i < Math.max(8, count); i++) {
    const [title, category] = PRODUCTS[i % PRODUCTS.length] ?? ['Product', 'General'];
    const externalId = `SKU-${String(i + 1).padStart(4, '0')}`;
    items.push({
      id: `$custom:::$default:::${externalId}`,
      externalId,
      sku: externalId,
      title: i < PRODUCTS.length ? title : `${title} ${Math.floor(i / PRODUCTS.length) + 1}`,
      price: round2(random.between(8, 160)),
      category,
      brand: random.pick(BRANDS),
      createdMs: anchorMs - random.int(100, 900) * DAY_MS,
    });
  }
  return items;
}
