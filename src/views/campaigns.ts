import { STOCK_MAPS } from '../simulator/maps.js';

/** The stock L4D2 campaigns, by the number in their maps' names (c1m1_hotel is Dead Center's). */
const CAMPAIGN_NAMES: Record<number, string> = {
  1: 'Dead Center',
  2: 'Dark Carnival',
  3: 'Swamp Fever',
  4: 'Hard Rain',
  5: 'The Parish',
  6: 'The Passing',
  7: 'The Sacrifice',
  8: 'No Mercy',
  9: 'Crash Course',
  10: 'Death Toll',
  11: 'Dead Air',
  12: 'Blood Harvest',
  13: 'Cold Stream',
  14: 'The Last Stand',
};

export interface Campaign {
  name: string;
  maps: string[];
}

/** The stock maps grouped by campaign, in campaign order: what the map picker offers. */
export function stockCampaigns(maps: readonly string[] = STOCK_MAPS): Campaign[] {
  const campaigns = new Map<number, Campaign>();
  for (const map of maps) {
    const number = Number(/^c(\d+)m/.exec(map)?.[1] ?? 0);
    let campaign = campaigns.get(number);
    if (!campaign) {
      campaign = { name: CAMPAIGN_NAMES[number] ?? 'Other', maps: [] };
      campaigns.set(number, campaign);
    }
    campaign.maps.push(map);
  }
  return [...campaigns.entries()].sort(([a], [b]) => a - b).map(([, campaign]) => campaign);
}
